import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { SchedulingMetrics, createSchedulingFamilies, effectiveZone } from "./scheduling.js";

const Z = "topology.kubernetes.io/zone";
function pod(name: string, spec: Partial<V1Pod["spec"]> = {}, phase = "Pending"): V1Pod {
  return { metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c" }], ...spec }, status: { phase } };
}
const zoneIn = (...values: string[]) => ({ key: Z, operator: "In", values });
const affinity = (...terms: { key: string; operator: string; values: string[] }[][]) => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t })) } } },
});

async function value(reg: Registry, name: string, labels: Record<string, string> = {}) {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((x) => Object.entries(labels).every(([k, v]) => String(x.labels[k]) === v))?.value;
}

describe("scheduling metrics", () => {
  it("finds a pending pod's effective zone from its selector and required affinity", () => {
    const cases: [string, V1Pod, string][] = [
      ["no zone signal", pod("a"), "flexible"],
      ["a selector", pod("a", { nodeSelector: { [Z]: "us-east-1a" } }), "us-east-1a"],
      ["affinity to two zones", pod("a", affinity([zoneIn("us-east-1a", "us-east-1b")])), "flexible"],
      ["selector and affinity intersect", pod("a", { nodeSelector: { [Z]: "us-east-1b" }, ...affinity([zoneIn("us-east-1a", "us-east-1b")]) }), "us-east-1b"],
      ["selector and affinity disjoint", pod("a", { nodeSelector: { [Z]: "us-east-1c" }, ...affinity([zoneIn("us-east-1a")]) }), "none"],
      ["ORed terms, one unconstrained", pod("a", affinity([zoneIn("us-east-1a")], [{ key: "x", operator: "In", values: ["y"] }])), "flexible"],
      ["ANDed expressions in a term", pod("a", affinity([zoneIn("us-east-1a", "us-east-1b"), zoneIn("us-east-1b")])), "us-east-1b"],
    ];
    for (const [what, p, want] of cases) assert.equal(effectiveZone(p), want, what);
  });

  it("times a pod from first seen to decision, from placement to bind and start; the gauges read what waits", async () => {
    const reg = new Registry();
    let now = 1_000_000;
    const s = new SchedulingMetrics(createSchedulingFamilies(reg), () => now);
    const a = pod("a");
    const b = pod("b");
    s.seen(a);
    s.seen(b);
    now += 2000;
    s.refresh([a, b], () => false);
    assert.equal(await value(reg, "karpenter_pods_provisioning_scheduling_undecided_time_seconds", { name: "a" }), 2);
    const solve = s.begin("provisioner", [a, b]);
    assert.equal(await value(reg, "karpenter_scheduler_queue_depth", { controller: "provisioner" }), 2);
    now += 500;
    s.refresh([a, b], () => false);
    assert.equal(await value(reg, "karpenter_scheduler_unfinished_work_seconds", { controller: "provisioner" }), 0.5);
    solve.end([b], 0);
    assert.equal(await value(reg, "karpenter_scheduler_queue_depth", { controller: "provisioner" }), 0);
    assert.equal(await value(reg, "karpenter_scheduler_unschedulable_pods_count", { controller: "provisioner" }), 1);
    assert.equal(await value(reg, "karpenter_scheduler_pending_pods_by_effective_zone_count", { controller: "provisioner", zone: "flexible" }), 2);
    const decided = (await reg.getMetricsAsJSON()).find((m) => m.name === "karpenter_pods_scheduling_decision_duration_seconds")!.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"));
    assert.equal(decided?.value, 5); // 2.5 s each
    now += 3000;
    s.refresh([a, b], () => false);
    assert.equal(await value(reg, "karpenter_pods_provisioning_unbound_time_seconds", { name: "a" }), 3);
    assert.equal(await value(reg, "karpenter_pods_provisioning_unbound_time_seconds", { name: "b" }), undefined, "b has no place yet");
    assert.equal(await value(reg, "karpenter_pods_provisioning_scheduling_undecided_time_seconds", { name: "a" }), undefined, "a was decided");
    s.bound(a, now);
    s.started(a, now + 1000);
    const bound = (await reg.getMetricsAsJSON()).find((m) => m.name === "karpenter_pods_provisioning_bound_duration_seconds")!.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"));
    const started = (await reg.getMetricsAsJSON()).find((m) => m.name === "karpenter_pods_provisioning_startup_duration_seconds")!.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"));
    assert.equal(bound?.value, 3);
    assert.equal(started?.value, 4);
    // The next solve replaces the last one's series.
    s.begin("provisioner", [b]).end([b], 1);
    const depth = (await reg.getMetricsAsJSON()).find((m) => m.name === "karpenter_scheduler_queue_depth")!.values;
    assert.equal(depth.length, 1);
    assert.equal(await value(reg, "karpenter_scheduler_ignored_pods_count"), 1);
  });
});
