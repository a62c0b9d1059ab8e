import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { isProvisionable, isReschedulable, podKey } from "./pending.js";

const unschedulable = { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available" };

function pod(edit: (p: V1Pod) => void = () => {}): V1Pod {
  const p: V1Pod = {
    metadata: { name: "p", namespace: "ns", uid: "u1" },
    spec: { containers: [{ name: "c", image: "x" }] },
    status: { phase: "Pending", conditions: [{ ...unschedulable }] },
  };
  edit(p);
  return p;
}

describe("isProvisionable", () => {
  it("takes pods kube-scheduler marked Unschedulable", () => {
    assert.equal(isProvisionable(pod()), true);
    assert.equal(podKey(pod()), "ns/p");
  });

  it("leaves out everything else", () => {
    const cases: Record<string, V1Pod> = {
      "not yet tried by the scheduler": pod((p) => (p.status!.conditions = [])),
      "scheduling gated": pod((p) => (p.status!.conditions = [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }])),
      bound: pod((p) => (p.spec!.nodeName = "n1")),
      preempting: pod((p) => (p.status!.nominatedNodeName = "n1")),
      deleting: pod((p) => (p.metadata!.deletionTimestamp = new Date())),
      succeeded: pod((p) => (p.status!.phase = "Succeeded")),
      failed: pod((p) => (p.status!.phase = "Failed")),
      "DaemonSet pod": pod((p) => (p.metadata!.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds", uid: "d" }])),
      "static pod": pod((p) => (p.metadata!.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "n" }])),
    };
    for (const [why, p] of Object.entries(cases)) assert.equal(isProvisionable(p), false, why);
  });

  it("counts a ReplicaSet's pod, not a DaemonSet's, as reschedulable off a deleting node", () => {
    assert.equal(isReschedulable(pod((p) => (p.metadata!.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "r" }]))), true);
    assert.equal(isReschedulable(pod((p) => (p.metadata!.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds", uid: "d" }]))), false);
    assert.equal(isReschedulable(pod((p) => (p.status!.phase = "Succeeded"))), false);
  });
});
