import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { Registry, createMetrics } from "../../operator/metrics.js";
import { PodMetrics } from "./pods.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);

function pod(name: string, phase: string, conds: Record<string, number> = {}, nodeName?: string): V1Pod {
  return {
    metadata: { name, namespace: "default", creationTimestamp: at(0), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u" }] },
    spec: { containers: [{ name: "c" }], ...(nodeName ? { nodeName } : {}) },
    status: { phase, conditions: Object.entries(conds).map(([type, s]) => ({ type, status: "True", lastTransitionTime: at(s) })) },
  };
}

async function value(reg: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((x) => Object.entries(labels).every(([k, want]) => String(x.labels[k]) === want))?.value;
}

describe("pod metrics", () => {
  it("observes a startup and a bind for a pod seen pending, with its times from creation", async () => {
    const reg = new Registry();
    const m = createMetrics(reg);
    const pm = new PodMetrics(m, () => T0 + 60_000);
    pm.onPod("add", pod("a", "Pending"));
    pm.onPod("update", pod("a", "Pending", { PodScheduled: 4 }, "n1"));
    pm.onPod("update", pod("a", "Running", { PodScheduled: 4, Ready: 9 }, "n1"));
    const startup = (await reg.getMetricsAsJSON()).find((x) => x.name === "karpenter_pods_startup_duration_seconds")!;
    assert.equal(startup.values.find((v) => (v as { metricName?: string }).metricName === "karpenter_pods_startup_duration_seconds_count")?.value, 1);
    assert.equal(startup.values.find((v) => (v as { metricName?: string }).metricName === "karpenter_pods_startup_duration_seconds_sum")?.value, 9);
    const bound = (await reg.getMetricsAsJSON()).find((x) => x.name === "karpenter_pods_bound_duration_seconds")!;
    assert.equal(bound.values.find((v) => (v as { metricName?: string }).metricName === "karpenter_pods_bound_duration_seconds_sum")?.value, 4);
  });

  it("does not observe a startup for a pod already running when first seen, nor for one that ended unready", async () => {
    const reg = new Registry();
    const m = createMetrics(reg);
    const pm = new PodMetrics(m, () => T0);
    pm.onPod("add", pod("old", "Running", { PodScheduled: 1, Ready: 2 }, "n1"));
    pm.onPod("add", pod("job", "Pending"));
    pm.onPod("update", pod("job", "Failed", {}, "n1"));
    const startup = (await reg.getMetricsAsJSON()).find((x) => x.name === "karpenter_pods_startup_duration_seconds")!;
    assert.equal(startup.values.find((v) => (v as { metricName?: string }).metricName === "karpenter_pods_startup_duration_seconds_count")?.value, 0);
  });

  it("rebuilds pods_state and the pending pods' unstarted and unbound times at each refresh", async () => {
    const reg = new Registry();
    const m = createMetrics(reg);
    const pm = new PodMetrics(m, () => T0 + 30_000);
    const node: V1Node = { metadata: { name: "n1", labels: { "karpenter.sh/nodepool": "default", "topology.kubernetes.io/zone": "us-east-1a", "karpenter.sh/capacity-type": "spot" } } };
    pm.refresh([pod("run", "Running", { Ready: 3 }, "n1"), pod("wait", "Pending")], (n) => (n === "n1" ? node : undefined));
    const state = (await reg.getMetricsAsJSON()).find((x) => x.name === "karpenter_pods_state")!;
    const run = state.values.find((v) => v.labels.name === "run")!;
    assert.deepEqual(
      { nodepool: run.labels.nodepool, zone: run.labels.zone, capacity_type: run.labels.capacity_type, ready: run.labels.ready, managed: run.labels.managed, scheduled: run.labels.scheduled, owner: run.labels.owner },
      { nodepool: "default", zone: "us-east-1a", capacity_type: "spot", ready: "true", managed: "true", scheduled: "true", owner: "/apis/apps/v1/namespaces/default/replicasets/web-1" },
    );
    assert.equal(await value(reg, "karpenter_pods_unstarted_time_seconds", { name: "wait" }), 30);
    assert.equal(await value(reg, "karpenter_pods_unbound_time_seconds", { name: "wait" }), 30);
    // The pod ran: its series go at the next refresh.
    pm.refresh([pod("run", "Running", { Ready: 3 }, "n1")], () => node);
    assert.equal(await value(reg, "karpenter_pods_unstarted_time_seconds", { name: "wait" }), undefined);
    assert.equal((await reg.getMetricsAsJSON()).find((x) => x.name === "karpenter_pods_state")!.values.length, 1);
  });
});
