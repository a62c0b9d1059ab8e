// Karpenter's scheduler families (karpenter_scheduler_*) and the pod timings measured from its
// scheduling decisions (karpenter_pods_provisioning_*, karpenter_pods_scheduling_decision_*):
// when tenon first saw a pod waiting, when a solve first decided about it, and when a solve first
// found it a place. Like Karpenter's, these times are held in memory, not read from the pod.
import type { V1Pod } from "@kubernetes/client-node";
import { Gauge, Histogram, type Registry } from "prom-client";
import { ZoneLabel } from "../../apis/labels.js";
import { durationBuckets, registry as processRegistry } from "../../operator/metrics.js";

const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;

export function createSchedulingFamilies(registry: Registry) {
  const registers = [registry];
  const buckets = [...durationBuckets];
  return {
    queueDepth: new Gauge({ name: "karpenter_scheduler_queue_depth", help: "The number of pods currently waiting to be scheduled.", labelNames: ["controller", "scheduling_id"] as const, registers }),
    unfinishedWork: new Gauge({
      name: "karpenter_scheduler_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by scheduling_duration_seconds.",
      labelNames: ["controller", "scheduling_id"] as const,
      registers,
    }),
    ignoredPods: new Gauge({ name: "karpenter_scheduler_ignored_pods_count", help: "Number of pods ignored during scheduling by Karpenter", registers }),
    unschedulablePods: new Gauge({ name: "karpenter_scheduler_unschedulable_pods_count", help: "The number of unschedulable Pods.", labelNames: ["controller"] as const, registers }),
    pendingByZone: new Gauge({
      name: "karpenter_scheduler_pending_pods_by_effective_zone_count",
      help: "Pending pods dimensioned by effective zone constraint, or the intersection of pod-level zone signals, volume topology (PVC zones), and topology constraints. Values: specific zone name (e.g., 'us-west-2a'), 'flexible' (multiple zones), or 'none' (no valid intersection).",
      labelNames: ["controller", "zone"] as const,
      registers,
    }),
    decisionDuration: new Histogram({
      name: "karpenter_pods_scheduling_decision_duration_seconds",
      help: "The time it takes for Karpenter to first try to schedule a pod after it's been seen.",
      buckets,
      registers,
    }),
    provisioningBound: new Histogram({
      name: "karpenter_pods_provisioning_bound_duration_seconds",
      help: "The time from when Karpenter first thinks the pod can schedule until it binds. Note: this calculated from a point in memory, not by the pod creation timestamp.",
      buckets,
      registers,
    }),
    provisioningStartup: new Histogram({
      name: "karpenter_pods_provisioning_startup_duration_seconds",
      help: "The time from when Karpenter first thinks the pod can schedule until the pod is running. Note: this calculated from a point in memory, not by the pod creation timestamp.",
      buckets,
      registers,
    }),
    provisioningUnbound: new Gauge({
      name: "karpenter_pods_provisioning_unbound_time_seconds",
      help: "The time from when Karpenter first thinks the pod can schedule until it binds. Note: this calculated from a point in memory, not by the pod creation timestamp.",
      labelNames: ["name", "namespace"] as const,
      registers,
    }),
    provisioningUnstarted: new Gauge({
      name: "karpenter_pods_provisioning_unstarted_time_seconds",
      help: "The time from when Karpenter first thinks the pod can schedule until the pod is running. Note: this calculated from a point in memory, not by the pod creation timestamp.",
      labelNames: ["name", "namespace"] as const,
      registers,
    }),
    undecided: new Gauge({
      name: "karpenter_pods_provisioning_scheduling_undecided_time_seconds",
      help: "The time from when Karpenter has seen a pod without making a scheduling decision for the pod. Note: this calculated from a point in memory, not by the pod creation timestamp.",
      labelNames: ["name", "namespace"] as const,
      registers,
    }),
  };
}

export type SchedulingFamilies = ReturnType<typeof createSchedulingFamilies>;

/**
 * A pending pod's effective zone: the one zone its node selector and required node affinity allow,
 * `flexible` when they allow several (or say nothing), `none` when they allow none.
 */
export function effectiveZone(pod: V1Pod): string {
  let allowed: Set<string> | undefined;
  const narrow = (values: readonly string[]) => {
    allowed = allowed ? new Set(values.filter((v) => allowed!.has(v))) : new Set(values);
  };
  const selected = pod.spec?.nodeSelector?.[ZoneLabel];
  if (selected !== undefined) narrow([selected]);
  // Terms are ORed: the zones any term allows; a term without a zone requirement allows every zone.
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length > 0) {
    const union = new Set<string>();
    let unconstrained = false;
    for (const t of terms) {
      const zoneIn = (t.matchExpressions ?? []).filter((e) => e.key === ZoneLabel && e.operator === "In");
      if (zoneIn.length === 0) unconstrained = true;
      else {
        let inTerm = new Set(zoneIn[0]!.values ?? []);
        for (const e of zoneIn.slice(1)) inTerm = new Set((e.values ?? []).filter((v) => inTerm.has(v)));
        for (const z of inTerm) union.add(z);
      }
    }
    if (!unconstrained) narrow([...union]);
  }
  if (allowed === undefined) return "flexible";
  if (allowed.size === 0) return "none";
  return allowed.size === 1 ? [...allowed][0]! : "flexible";
}

interface PodTimes {
  seen: number;
  decided?: number;
  schedulable?: number;
}

/** The in-memory times of the pods tenon has seen waiting, and the solves that decided about them. */
export class SchedulingMetrics {
  private readonly pods = new Map<string, PodTimes>();
  private readonly running = new Map<string, { controller: string; id: string; started: number }>();
  private lastId = new Map<string, string>();
  private solveCount = 0;

  constructor(
    readonly m: SchedulingFamilies,
    private readonly now: () => number = Date.now,
  ) {
    m.ignoredPods.set(0);
    m.unfinishedWork.reset();
  }

  /** A pending, unbound pod seen by the pod watch: its wait for a decision starts now. */
  seen(pod: V1Pod): void {
    const key = keyOf(pod);
    if (!this.pods.has(key)) this.pods.set(key, { seen: this.now() });
  }

  forget(pod: V1Pod): void {
    this.pods.delete(keyOf(pod));
  }

  /** When a solve first found this pod a place (ms), if one did. */
  schedulableAt(pod: V1Pod): number | undefined {
    return this.pods.get(keyOf(pod))?.schedulable;
  }

  /** A solve starts over `pods`: the queue depth and the work in progress are visible until it ends. */
  begin(controller: string, pods: readonly V1Pod[]): { end(unschedulable: readonly V1Pod[], ignored: number): void } {
    this.solveCount += 1;
    const id = String(this.solveCount);
    const started = this.now();
    const prev = this.lastId.get(controller);
    if (prev !== undefined) {
      this.m.queueDepth.remove({ controller, scheduling_id: prev });
      this.m.unfinishedWork.remove({ controller, scheduling_id: prev });
    }
    this.lastId.set(controller, id);
    this.m.queueDepth.set({ controller, scheduling_id: id }, pods.length);
    this.running.set(id, { controller, id, started });
    return {
      end: (unschedulable, ignored) => {
        this.running.delete(id);
        const now = this.now();
        // The solve's series stay, at the queue left (0) and no work in progress, until the next
        // solve of this controller replaces them: a scrape between solves still sees the last one.
        this.m.queueDepth.set({ controller, scheduling_id: id }, 0);
        this.m.unfinishedWork.set({ controller, scheduling_id: id }, 0);
        this.m.unschedulablePods.set({ controller }, unschedulable.length);
        this.m.ignoredPods.set(ignored);
        const failed = new Set(unschedulable.map(keyOf));
        this.m.pendingByZone.reset();
        const zones = new Map<string, number>();
        for (const pod of pods) {
          const z = effectiveZone(pod);
          zones.set(z, (zones.get(z) ?? 0) + 1);
          const key = keyOf(pod);
          const t = this.pods.get(key) ?? { seen: started };
          if (t.decided === undefined) {
            t.decided = now;
            this.m.decisionDuration.observe(Math.max(0, now - t.seen) / 1000);
          }
          if (t.schedulable === undefined && !failed.has(key)) t.schedulable = now;
          this.pods.set(key, t);
        }
        for (const [zone, n] of zones) this.m.pendingByZone.set({ controller, zone }, n);
      },
    };
  }

  /** The pod was bound: the time from its first placement. */
  bound(pod: V1Pod, at: number): void {
    const s = this.schedulableAt(pod);
    if (s !== undefined) this.m.provisioningBound.observe(Math.max(0, at - s) / 1000);
  }

  /** The pod started: the time from its first placement; its times are no longer needed. */
  started(pod: V1Pod, at: number): void {
    const s = this.schedulableAt(pod);
    if (s !== undefined) this.m.provisioningStartup.observe(Math.max(0, at - s) / 1000);
    this.forget(pod);
  }

  /** Rebuilds the per-pod gauges from the pods held now (the scrape's refresh). */
  refresh(pods: readonly V1Pod[], isBound: (pod: V1Pod) => boolean): void {
    const now = this.now();
    this.m.provisioningUnbound.reset();
    this.m.provisioningUnstarted.reset();
    this.m.undecided.reset();
    for (const r of this.running.values()) this.m.unfinishedWork.set({ controller: r.controller, scheduling_id: r.id }, Math.max(0, now - r.started) / 1000);
    const live = new Set<string>();
    for (const pod of pods) {
      const key = keyOf(pod);
      live.add(key);
      const t = this.pods.get(key);
      if (!t || pod.status?.phase !== "Pending") continue;
      const id = { name: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "" };
      if (t.decided === undefined) this.m.undecided.set(id, Math.max(0, now - t.seen) / 1000);
      if (t.schedulable === undefined) continue;
      this.m.provisioningUnstarted.set(id, Math.max(0, now - t.schedulable) / 1000);
      if (!isBound(pod)) this.m.provisioningUnbound.set(id, Math.max(0, now - t.schedulable) / 1000);
    }
    // Pods gone while the watch was away leave nothing behind.
    for (const key of this.pods.keys()) if (!live.has(key)) this.pods.delete(key);
  }
}

/** The process-wide scheduling metrics, on the registry /metrics serves. */
export const schedulingMetrics = new SchedulingMetrics(createSchedulingFamilies(processRegistry));
