import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { T0, managedNode, nodePool, standardTypes } from "../../../test/kit/disruption.js";
import { disruptionConditions } from "./conditions.js";
import { isPodEvent } from "./podevents.js";

const { claim } = managedNode("n", { pool: nodePool("p"), type: standardTypes()[1]! });

describe("disruption conditions", () => {
  it("sets Drifted with its reason and removes it when no longer drifted", () => {
    const drifted = disruptionConditions(claim, { drift: { reason: "AMIDrift", message: "new AMI" } }, T0);
    const c = drifted.find((x) => x.type === "Drifted")!;
    assert.deepEqual([c.status, c.reason, c.message], ["True", "AMIDrift", "new AMI"]);
    const again = disruptionConditions({ ...claim, status: { ...claim.status, conditions: [...drifted] } }, { drift: { reason: "AMIDrift", message: "new AMI" } }, T0 + 1000);
    assert.equal(again.find((x) => x.type === "Drifted")!.lastTransitionTime, c.lastTransitionTime, "unchanged facts change nothing");
    assert.equal(disruptionConditions({ ...claim, status: { ...claim.status, conditions: [...drifted] } }, { drift: {} }, T0).some((x) => x.type === "Drifted"), false);
  });

  it("keeps Consolidatable True with the latest explanation, absent when consolidateAfter has not passed", () => {
    const on = disruptionConditions(claim, { consolidatable: { consolidatable: true, message: "Can't replace with a cheaper node" } }, T0);
    assert.equal(on.find((x) => x.type === "Consolidatable")?.message, "Can't replace with a cheaper node");
    assert.equal(disruptionConditions({ ...claim, status: { ...claim.status, conditions: [...on] } }, { consolidatable: { consolidatable: false, message: "" } }, T0).some((x) => x.type === "Consolidatable"), false);
  });

  it("returns the same list when nothing changes, so nothing is written", () => {
    const list = claim.status!.conditions!;
    assert.equal(disruptionConditions(claim, { drift: {}, consolidatable: { consolidatable: false, message: "" } }, T0), list);
  });

  it("marks and clears DisruptionReason (reason and message the disruption reason)", () => {
    const marked = disruptionConditions(claim, { disrupting: { reason: "Underutilized", message: "delete, terminating 1 nodes" } }, T0);
    assert.equal(marked.find((x) => x.type === "DisruptionReason")?.reason, "Underutilized");
    assert.equal(marked.find((x) => x.type === "DisruptionReason")?.message, "Underutilized");
    assert.equal(disruptionConditions({ ...claim, status: { ...claim.status, conditions: [...marked] } }, { disrupting: null }, T0).some((x) => x.type === "DisruptionReason"), false);
  });
});

describe("pod events", () => {
  const bound = (o: Partial<V1Pod> = {}): V1Pod => ({ metadata: { name: "p", namespace: "d" }, spec: { nodeName: "n", containers: [] }, status: { phase: "Running" }, ...o });
  it("counts a pod bound, finishing, terminating or gone; not other updates", () => {
    assert.equal(isPodEvent("add", bound(), undefined), true);
    assert.equal(isPodEvent("update", bound(), { ...bound(), spec: { containers: [] } }), true, "bound");
    assert.equal(isPodEvent("update", bound({ status: { phase: "Succeeded" } }), bound()), true, "finished");
    assert.equal(isPodEvent("update", bound({ metadata: { name: "p", deletionTimestamp: new Date() } }), bound()), true, "terminating");
    assert.equal(isPodEvent("delete", bound(), bound()), true);
    assert.equal(isPodEvent("update", bound(), bound()), false, "a status update of a running pod");
    assert.equal(isPodEvent("add", { metadata: { name: "pending" }, spec: { containers: [] } }, undefined), false, "not bound");
  });
});
