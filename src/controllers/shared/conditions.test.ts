import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../runtime/clock.js";
import { getCondition, nodeClaimRootCondition, setCondition } from "./conditions.js";

describe("setCondition", () => {
  it("returns the same list when nothing changes, and keeps lastTransitionTime while the status holds", () => {
    const clock = new FakeClock();
    const first = setCondition(undefined, { type: "Launched", status: "False", reason: "LaunchFailed", message: "boom" }, clock.now());
    assert.equal(setCondition(first, { type: "Launched", status: "False", reason: "LaunchFailed", message: "boom" }, clock.now()), first);
    clock.advance(60_000);
    const again = setCondition(first, { type: "Launched", status: "False", reason: "LaunchFailed", message: "other" }, clock.now());
    assert.notEqual(again, first);
    assert.equal(getCondition(again, "Launched")!.lastTransitionTime, "2026-01-01T00:00:00.000Z", "same status: transition time kept");
    const flipped = setCondition(again, { type: "Launched", status: "True", reason: "Launched" }, clock.now());
    assert.equal(getCondition(flipped, "Launched")!.lastTransitionTime, "2026-01-01T00:01:00.000Z");
    assert.equal(flipped.length, 1);
  });

  it("truncates long messages as Karpenter does", () => {
    const c = setCondition([], { type: "Launched", status: "False", reason: "LaunchFailed", message: "x".repeat(500) }, 0);
    assert.equal(c[0]!.message.length, 303);
  });
});

describe("nodeClaimRootCondition", () => {
  const at = "2026-01-01T00:00:00Z";
  const cond = (type: string, status: "True" | "False" | "Unknown") => ({ type, status, reason: "R", message: "", lastTransitionTime: at });

  it("is True only when launched, registered and initialized", () => {
    assert.equal(nodeClaimRootCondition([cond("Launched", "True"), cond("Registered", "True"), cond("Initialized", "True")]).status, "True");
    const unknown = nodeClaimRootCondition([cond("Launched", "True"), cond("Registered", "Unknown")]);
    assert.deepEqual([unknown.status, unknown.message], ["Unknown", "Registered=Unknown, Initialized=Unknown"]);
    assert.equal(nodeClaimRootCondition([cond("Launched", "False")]).status, "False");
  });
});
