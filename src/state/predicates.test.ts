// One table for every pod predicate: each row a pod a cluster really holds, and what each
// predicate says of it (Karpenter's meanings).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { blocksWithDoNotDisrupt, failedToSchedule, isActive, isDeleting, isOwnedByDaemonSet, isOwnedByNode, isProvisionable, isReschedulable, isTerminal, isTerminating, timeOf } from "./predicates.js";

const unschedulable = { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] };
const owner = (apiVersion: string, kind: string) => ({ ownerReferences: [{ apiVersion, kind, name: "o", uid: "u" }] });
const pod = (o: { meta?: V1Pod["metadata"]; spec?: Partial<NonNullable<V1Pod["spec"]>>; status?: V1Pod["status"] }): V1Pod => ({
  metadata: { name: "p", namespace: "ns", ...o.meta },
  spec: { containers: [], ...o.spec },
  status: o.status ?? {},
});
const deleting = { deletionTimestamp: new Date("2026-01-01T00:00:00Z") };

type Row = [name: string, pod: V1Pod, expect: Partial<Record<"terminal" | "terminating" | "active" | "daemonset" | "node" | "provisionable" | "reschedulable" | "doNotDisrupt" | "failed", boolean>>];

const rows: Row[] = [
  ["pending and unschedulable", pod({ status: unschedulable }), { active: true, provisionable: true, reschedulable: true, failed: true }],
  ["pending, not yet tried by kube-scheduler", pod({}), { active: true, provisionable: false, reschedulable: true }],
  ["pending, being preempted into a nominated node", pod({ status: { ...unschedulable, nominatedNodeName: "n1" } }), { provisionable: false, failed: true }],
  ["bound and running", pod({ spec: { nodeName: "n1" }, status: { phase: "Running" } }), { active: true, provisionable: false, reschedulable: true }],
  ["succeeded", pod({ spec: { nodeName: "n1" }, status: { phase: "Succeeded" } }), { terminal: true, active: false, reschedulable: false }],
  ["failed", pod({ status: { phase: "Failed", ...unschedulable } }), { terminal: true, active: false, provisionable: false }],
  ["terminating", pod({ meta: deleting, spec: { nodeName: "n1" } }), { terminating: true, active: false, reschedulable: false }],
  ["terminating and unschedulable", pod({ meta: deleting, status: unschedulable }), { terminating: true, provisionable: false }],
  ["a terminating StatefulSet pod (its successor waits for it)", pod({ meta: { ...deleting, ...owner("apps/v1", "StatefulSet") }, spec: { nodeName: "n1" } }), { terminating: true, reschedulable: true }],
  ["a DaemonSet's pod", pod({ meta: owner("apps/v1", "DaemonSet"), status: unschedulable }), { daemonset: true, provisionable: false, reschedulable: false }],
  ["a static pod's mirror (owned by its Node)", pod({ meta: owner("v1", "Node"), spec: { nodeName: "n1" } }), { node: true, reschedulable: false }],
  ["a mirror pod by annotation", pod({ meta: { annotations: { "kubernetes.io/config.mirror": "x" } }, status: unschedulable }), { node: true, provisionable: false }],
  ["owned by a ReplicaSet", pod({ meta: owner("apps/v1", "ReplicaSet"), status: unschedulable }), { daemonset: false, provisionable: true }],
  ["do-not-disrupt and running", pod({ meta: { annotations: { "karpenter.sh/do-not-disrupt": "true" } }, spec: { nodeName: "n1" } }), { doNotDisrupt: true }],
  ["do-not-disrupt but finished", pod({ meta: { annotations: { "karpenter.sh/do-not-disrupt": "true" } }, status: { phase: "Succeeded" } }), { doNotDisrupt: false }],
  ["do-not-disrupt set to something else", pod({ meta: { annotations: { "karpenter.sh/do-not-disrupt": "false" } } }), { doNotDisrupt: false }],
];

const predicates = {
  terminal: isTerminal,
  terminating: isTerminating,
  active: isActive,
  daemonset: isOwnedByDaemonSet,
  node: isOwnedByNode,
  provisionable: isProvisionable,
  reschedulable: isReschedulable,
  doNotDisrupt: (p: V1Pod) => blocksWithDoNotDisrupt(p, Date.now()),
  failed: failedToSchedule,
};

describe("pod predicates", () => {
  for (const [name, p, expect] of rows) {
    test(name, () => {
      for (const [k, want] of Object.entries(expect)) assert.equal(predicates[k as keyof typeof predicates](p), want, `${k} of "${name}"`);
    });
  }
});

describe("object predicates", () => {
  test("deletionTimestamp as a string or a Date, and none", () => {
    assert.equal(isDeleting({ metadata: { deletionTimestamp: "2026-01-01T00:00:00Z" } }), true);
    assert.equal(isDeleting({ metadata: { deletionTimestamp: new Date() } }), true);
    assert.equal(isDeleting({ metadata: { deletionTimestamp: null } }), false);
    assert.equal(isDeleting({ metadata: {} }), false);
    assert.equal(isDeleting({}), false);
  });
  test("timestamps that do not parse are no time", () => {
    assert.equal(timeOf("not a time"), undefined);
    assert.equal(timeOf("2026-01-01T00:00:00Z"), Date.parse("2026-01-01T00:00:00Z"));
  });
});
