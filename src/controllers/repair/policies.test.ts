import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node } from "@kubernetes/client-node";
import { awsRepairPolicies } from "../../cloudprovider/aws/repairpolicies.js";
import { conditionLabel, repairsAllowed, unhealthyCondition, unhealthyThreshold } from "./policies.js";

const t0 = Date.parse("2026-01-01T00:00:00Z");
const min = 60_000;
const node = (...conditions: [type: string, status: string, sinceMin: number][]): V1Node =>
  ({ metadata: { name: "n" }, status: { conditions: conditions.map(([type, status, since]) => ({ type, status, lastTransitionTime: new Date(t0 + since * min).toISOString() })) } }) as unknown as V1Node;

describe("repair policies", () => {
  it("a Ready node is healthy", () => {
    assert.equal(unhealthyCondition(node(["Ready", "True", 0]), awsRepairPolicies), undefined);
  });

  it("Ready Unknown or False is repaired 30 minutes after it turned", () => {
    assert.deepEqual(unhealthyCondition(node(["Ready", "Unknown", 0]), awsRepairPolicies), { conditionType: "Ready", repairAt: t0 + 30 * min });
    assert.deepEqual(unhealthyCondition(node(["Ready", "False", 5]), awsRepairPolicies), { conditionType: "Ready", repairAt: t0 + 35 * min });
  });

  it("the condition due first wins: accelerated hardware is tolerated 10 minutes", () => {
    const n = node(["Ready", "False", 0], ["AcceleratedHardwareReady", "False", 0]);
    assert.deepEqual(unhealthyCondition(n, awsRepairPolicies), { conditionType: "AcceleratedHardwareReady", repairAt: t0 + 10 * min });
  });

  it("a condition status no policy names is not unhealthy (StorageReady Unknown)", () => {
    assert.equal(unhealthyCondition(node(["Ready", "True", 0], ["StorageReady", "Unknown", 0]), awsRepairPolicies), undefined);
  });

  it("allows repairs while at most 20% (rounded up) of the nodes are unhealthy", () => {
    assert.deepEqual([1, 4, 5, 6, 10, 11].map(unhealthyThreshold), [1, 1, 1, 2, 2, 3]);
    const healthy = node(["Ready", "True", 0]);
    const sick = node(["Ready", "Unknown", 0]);
    assert.equal(repairsAllowed([sick, healthy, healthy, healthy, healthy], awsRepairPolicies), true);
    assert.equal(repairsAllowed([sick, sick, healthy, healthy, healthy], awsRepairPolicies), false);
    assert.equal(repairsAllowed([sick], awsRepairPolicies), true);
  });

  it("labels conditions the way Karpenter's metric does", () => {
    assert.equal(conditionLabel("Ready"), "ready");
    assert.equal(conditionLabel("AcceleratedHardwareReady"), "accelerated_hardware_ready");
  });
});
