import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unhealthyInstances, unhealthyAfterMs } from "./instancestatus.js";

const now = Date.parse("2026-12-03T12:00:00Z");
const ago = (ms: number) => new Date(now - ms);
const failed = (since: Date | undefined) => ({ Status: "impaired" as const, Details: [{ Name: "reachability" as const, Status: "failed" as const, ...(since ? { ImpairedSince: since } : {}) }] });

describe("unhealthyInstances", () => {
  it("counts a failed check once it has lasted two minutes, not before", () => {
    assert.deepEqual(unhealthyInstances([{ InstanceId: "i-1", InstanceStatus: failed(ago(unhealthyAfterMs)) }], now), [{ instanceID: "i-1", categories: ["InstanceStatus"], impairedSince: now - unhealthyAfterMs }]);
    assert.deepEqual(unhealthyInstances([{ InstanceId: "i-1", InstanceStatus: failed(ago(unhealthyAfterMs - 1)) }], now), []);
    // No start time: just begun.
    assert.deepEqual(unhealthyInstances([{ InstanceId: "i-1", SystemStatus: failed(undefined) }], now), []);
  });

  it("takes a scheduled event at once, and ignores passed, initializing and EBS checks", () => {
    const out = unhealthyInstances(
      [
        { InstanceId: "i-2", Events: [{ Code: "instance-retirement", NotBefore: new Date(now + 86_400_000) }], InstanceStatus: { Status: "ok", Details: [{ Name: "reachability", Status: "passed" }] } },
        { InstanceId: "i-3", InstanceStatus: { Status: "initializing", Details: [{ Name: "reachability", Status: "initializing" }] }, AttachedEbsStatus: { Status: "impaired", Details: [{ Name: "reachability", Status: "failed", ImpairedSince: ago(3_600_000) }] } },
      ],
      now,
    );
    assert.deepEqual(out, [{ instanceID: "i-2", categories: ["EventStatus"], impairedSince: now }]);
  });

  it("reports an instance once, across the three filtered calls, with every failing category and the earliest failure", () => {
    const both = { InstanceId: "i-4", InstanceStatus: failed(ago(300_000)), SystemStatus: failed(ago(600_000)) };
    assert.deepEqual(unhealthyInstances([both, both, both], now), [{ instanceID: "i-4", categories: ["InstanceStatus", "SystemStatus"], impairedSince: now - 600_000 }]);
  });
});
