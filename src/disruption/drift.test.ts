// Drift's stale-view guard and the size of its replacements: a cloud provider's drift answer counts
// only for an initialized claim; a drifted node is replaced by what its own pods need — not packed
// with pending pods or the pods of nodes already going — using the room other nodes have.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DriftReason } from "../cloudprovider/types.js";
import { driftOf } from "./drift.js";
import { T0, clusterInput, managedNode, nodePool, planChecked, pod, standardTypes } from "../../test/kit/disruption.js";

const types = standardTypes();
const c4 = types.find((t) => t.name === "c.4x")!;
const c8 = types.find((t) => t.name === "c.8x")!;

describe("drift: cloud answers and replacement size", () => {
  it("ignores the cloud provider's answer until the claim is initialized (its instance may still be settling)", () => {
    const np = nodePool("p");
    const { claim: young } = managedNode("young", { pool: np, type: c4, initialized: false });
    assert.equal(driftOf(young, np, "SecurityGroupDrift").reason, undefined);
    const { claim: settled } = managedNode("settled", { pool: np, type: c4 });
    assert.equal(driftOf(settled, np, "SecurityGroupDrift").reason, "SecurityGroupDrift");
    // A changed NodePool is no stale view: it counts once launched.
    assert.equal(driftOf(young, nodePool("p", { labels: { team: "new" } }), undefined).reason, "NodePoolDrifted");
  });

  it("replaces a drifted node with one node for its own pods, while pods are pending and other nodes are being drained", () => {
    const np = nodePool("default", { budgets: [{ nodes: "10%" }] });
    const nodes = [];
    const pods = [];
    for (let i = 0; i < 20; i++) {
      nodes.push(managedNode(`n${i}`, { pool: np, type: c8 }));
      for (let j = 0; j < 7; j++) pods.push(pod(`p${i}-${j}`, { node: `n${i}`, cpu: "1" }));
    }
    // Two nodes already on their way out (another command's), and a scale-up in progress.
    for (let i = 0; i < 2; i++) {
      nodes.push(managedNode(`gone${i}`, { pool: np, type: c8, deleting: true }));
      for (let j = 0; j < 7; j++) pods.push(pod(`g${i}-${j}`, { node: `gone${i}`, cpu: "1" }));
    }
    for (let k = 0; k < 100; k++) pods.push(pod(`pending${k}`, { pending: true, cpu: "1" }));
    const cloudDrift = new Map<string, DriftReason>(nodes.map((n) => [n.claim.metadata.name ?? "", "SecurityGroupDrift"]));
    const plan = planChecked({ ...clusterInput({ pools: [np], nodes, pods, types }), cloudDrift }, { now: T0, methods: ["drift"] });
    const cmd = plan.command!;
    assert.equal(cmd.method, "drift");
    assert.equal(cmd.candidates.length, 1);
    const candidate = cmd.candidates[0]!.name;
    assert.equal(cmd.replacements.length, 1, `one node for ${candidate}'s 7 pods (got ${cmd.replacements.map((r) => r.planned.pods.length).join(" + ")} pods)`);
    assert.deepEqual(
      cmd.replacements[0]!.planned.pods.map((p) => p.spec?.nodeName ?? "pending"),
      Array(7).fill(candidate),
      "only the candidate's own pods",
    );
  });

  it("moves a drifted node's pods onto room other nodes have, launching nothing", () => {
    const np = nodePool("default", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("drifted", { pool: np, type: c4 }), managedNode("roomy", { pool: np, type: c8 })];
    const pods = [pod("a", { node: "drifted", cpu: "1" }), pod("b", { node: "drifted", cpu: "1" }), pod("busy", { node: "roomy", cpu: "2" }), pod("waiting", { pending: true, cpu: "4" })];
    const plan = planChecked({ ...clusterInput({ pools: [np], nodes, pods, types }), cloudDrift: new Map([["drifted", "AMIDrift"]]) }, { now: T0, methods: ["drift"] });
    assert.equal(plan.command?.candidates[0]?.name, "drifted");
    assert.equal(plan.command?.decision, "delete");
    assert.deepEqual(plan.command?.replacements, []);
  });
});
