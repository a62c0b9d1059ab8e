import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { FakeClock } from "../../runtime/clock.js";
import { drainGroups, drainPlan, isDrainable, isEvictable, podDeleteTime } from "./drain.js";

interface PodOpts {
  critical?: boolean;
  daemon?: boolean;
  mirror?: boolean;
  phase?: string;
  deleting?: string;
  doNotDisrupt?: boolean;
  tolerateDisrupted?: boolean;
  grace?: number;
}

function pod(name: string, o: PodOpts = {}): V1Pod {
  const owners = [
    ...(o.daemon ? [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds", uid: "ds" }] : []),
    ...(o.mirror ? [{ apiVersion: "v1", kind: "Node", name: "n", uid: "n" }] : []),
  ];
  return {
    metadata: {
      name,
      namespace: "default",
      ownerReferences: owners,
      ...(o.deleting ? { deletionTimestamp: o.deleting as unknown as Date } : {}),
      ...(o.doNotDisrupt ? { annotations: { "karpenter.sh/do-not-disrupt": "true" } } : {}),
    },
    spec: {
      nodeName: "n",
      containers: [{ name: "c" }],
      ...(o.critical ? { priorityClassName: "system-node-critical" } : {}),
      ...(o.tolerateDisrupted ? { tolerations: [{ key: "karpenter.sh/disrupted", operator: "Exists" }] } : {}),
      ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}),
    },
    status: { phase: o.phase ?? "Running" },
  };
}

const names = (pods: readonly V1Pod[]) => pods.map((p) => p.metadata!.name);

describe("drain grouping", () => {
  it("orders non-critical workloads, non-critical daemons, critical workloads, critical daemons", () => {
    const pods = [pod("crit-ds", { critical: true, daemon: true }), pod("crit", { critical: true }), pod("ds", { daemon: true }), pod("web")];
    assert.deepEqual(drainGroups(pods).map(names), [["web"], ["ds"], ["crit"], ["crit-ds"]]);
  });

  it("evicts only the first group that still has pods waiting, and waits for terminating pods", () => {
    const clock = new FakeClock();
    const now = clock.now();
    const pods = [pod("web"), pod("ds", { daemon: true }), pod("crit", { critical: true })];
    let plan = drainPlan(pods, now, undefined);
    assert.deepEqual(names(plan.evictions), ["web"]);
    assert.equal(plan.waiting.length, 3);
    // web is evicted and terminating: nothing more to evict, the daemons wait for it to go.
    const terminating = [pod("web", { deleting: new Date(now + 30_000).toISOString() }), pod("ds", { daemon: true }), pod("crit", { critical: true })];
    plan = drainPlan(terminating, now, undefined);
    assert.deepEqual(names(plan.evictions), []);
    assert.equal(plan.waiting.length, 3);
    // Once web is gone, the daemons' turn.
    plan = drainPlan(terminating.slice(1), now, undefined);
    assert.deepEqual(names(plan.evictions), ["ds"]);
  });

  it("ignores terminal pods, mirror pods, pods tolerating the disrupted taint and pods stuck terminating", () => {
    const clock = new FakeClock();
    const stuckSince = new Date(clock.now()).toISOString();
    clock.advance(61_000);
    const pods = [
      pod("done", { phase: "Succeeded" }),
      pod("failed", { phase: "Failed" }),
      pod("mirror", { mirror: true }),
      pod("tolerant", { tolerateDisrupted: true }),
      pod("stuck", { deleting: stuckSince }),
    ];
    const plan = drainPlan(pods, clock.now(), undefined);
    assert.deepEqual([plan.waiting.length, plan.evictions.length], [0, 0]);
    assert.equal(isDrainable(pod("stuck", { deleting: stuckSince }), clock.now() - 2000), true, "not stuck until a minute past its deadline");
  });

  it("lets do-not-disrupt pods block the drain without evicting them", () => {
    const plan = drainPlan([pod("precious", { doNotDisrupt: true }), pod("ds", { daemon: true })], Date.now(), undefined);
    assert.deepEqual(names(plan.evictions), []);
    assert.deepEqual(names(plan.waiting), ["precious", "ds"]);
    assert.equal(isEvictable(pod("precious", { doNotDisrupt: true }), Date.now()), false);
  });

  it("evicts a pod whose do-not-disrupt duration ran out, and waits for one whose duration still runs", () => {
    const start = Date.parse("2026-03-01T10:00:00Z");
    const timed = (name: string, value: string): V1Pod => {
      const p = pod(name);
      return { ...p, metadata: { ...p.metadata, annotations: { "karpenter.sh/do-not-disrupt": value } }, status: { ...p.status, startTime: new Date(start).toISOString() as unknown as Date } };
    };
    const pods = [timed("short", "5m"), timed("long", "1h"), timed("typo", "1 hour")];
    const plan = drainPlan(pods, start + 10 * 60_000, undefined);
    assert.deepEqual(names(plan.evictions), ["short", "typo"], "an ended protection, or a value that is no duration, does not hold the pod");
    assert.deepEqual(names(plan.waiting), ["short", "long", "typo"]);
    assert.deepEqual(names(drainPlan(pods, start + 61 * 60_000, undefined).evictions), ["short", "long", "typo"]);
  });
});

describe("terminationGracePeriod deadline", () => {
  it("deletes each pod early enough for its own grace period, granting what is left until the deadline", () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const deadline = clock.now() + 10 * 60_000;
    const pods = [pod("long", { grace: 900 }), pod("short", { grace: 60 }), pod("default"), pod("precious", { doNotDisrupt: true, grace: 30 })];
    assert.equal(podDeleteTime(pods[1]!, deadline), deadline - 60_000);
    assert.equal(podDeleteTime(pods[0]!, undefined), undefined);

    let plan = drainPlan(pods, clock.now(), deadline);
    // long needs 15 min but only 10 are left: deleted now with the 600 s that remain.
    assert.deepEqual(plan.deletions.map((d) => [d.pod.metadata!.name, d.gracePeriodSeconds]), [["long", 600]]);
    assert.deepEqual(names(plan.evictions), ["short", "default"], "the rest are evicted as usual");
    assert.equal(plan.nextDeletionAt, deadline - 60_000, "short is next due");

    clock.advance(9 * 60_000 + 1000); // 59 s left: short's 60 s no longer fit
    plan = drainPlan(pods.slice(1), clock.now(), deadline);
    assert.deepEqual(plan.deletions.map((d) => [d.pod.metadata!.name, d.gracePeriodSeconds]), [["short", 59]]);
    assert.deepEqual(names(plan.evictions), ["default"], "a pod being deleted is not evicted too");

    clock.advance(39_000); // 20 s left
    plan = drainPlan(pods.slice(2), clock.now(), deadline);
    assert.deepEqual(
      plan.deletions.map((d) => [d.pod.metadata!.name, d.gracePeriodSeconds]),
      [["default", 20], ["precious", 20]],
      "past deadline − grace: deleted, do-not-disrupt included",
    );

    clock.advance(120_000); // past the deadline
    plan = drainPlan([pod("late")], clock.now(), deadline);
    assert.deepEqual(plan.deletions.map((d) => d.gracePeriodSeconds), [0]);
  });
});
