// Karpenter's pod metrics, fed by the pod watch event by event. Like Karpenter, a startup (or bind)
// is observed only for a pod seen pending (or unbound) first: a pod already running when tenon
// starts has no start tenon saw. The gauges (pods_state, unstarted/unbound times) are rebuilt at
// each scrape from the pods the watch holds.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { ArchLabel, CapacityTypeLabel, InstanceTypeLabel, NodePoolLabel, ZoneLabel } from "../../apis/labels.js";
import type { Metrics } from "../../operator/metrics.js";
import { isTerminal } from "../../state/predicates.js";
import type { StoreEvent } from "../../state/store.js";
import type { SchedulingMetrics } from "./scheduling.js";

const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);
const isTrue = (pod: V1Pod, type: string): boolean => condition(pod, type)?.status === "True";
const time = (t: Date | string | undefined): number => (t === undefined ? NaN : new Date(t).getTime());

/** The owner as Karpenter writes it: the first owner reference as a self link. */
function ownerLink(pod: V1Pod): string {
  const o = pod.metadata?.ownerReferences?.[0];
  return o ? `/apis/${o.apiVersion}/namespaces/${pod.metadata?.namespace ?? ""}/${o.kind.toLowerCase()}s/${o.name}` : "";
}

/** pods_state's labels for a pod on (or off) its node. */
export function podStateLabels(pod: V1Pod, node: V1Node | undefined): Record<string, string> {
  const l = node?.metadata?.labels ?? {};
  return {
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
    owner: ownerLink(pod),
    node: pod.spec?.nodeName ?? "",
    scheduled: String(Boolean(pod.spec?.nodeName)),
    nodepool: l[NodePoolLabel] ?? "",
    zone: l[ZoneLabel] ?? "",
    arch: l[ArchLabel] ?? "",
    capacity_type: l[CapacityTypeLabel] ?? "",
    instance_type: l[InstanceTypeLabel] ?? "",
    phase: pod.status?.phase ?? "",
    ready: String(isTrue(pod, "Ready")),
    managed: String(Boolean(l[NodePoolLabel])),
  };
}

export class PodMetrics {
  /** Pods seen pending: their start is still to be observed. */
  private readonly pending = new Set<string>();
  /** Pods seen unbound: their bind is still to be observed. */
  private readonly unbound = new Set<string>();

  constructor(
    private readonly metrics: Metrics,
    private readonly now: () => number,
    /** The provisioning timings, from the solves' decisions. */
    private readonly scheduling?: SchedulingMetrics,
  ) {}

  /** The pod watch's handler. */
  readonly onPod = (event: StoreEvent, pod: V1Pod): void => {
    const key = keyOf(pod);
    if (event === "delete") {
      this.pending.delete(key);
      this.unbound.delete(key);
      this.scheduling?.forget(pod);
      return;
    }
    const created = time(pod.metadata?.creationTimestamp);
    if (pod.status?.phase === "Pending" || pod.status?.phase === undefined) {
      this.pending.add(key);
      if (!isTrue(pod, "PodScheduled")) {
        this.unbound.add(key);
        this.scheduling?.seen(pod);
      }
      return;
    }
    if (this.unbound.has(key) && isTrue(pod, "PodScheduled")) {
      this.unbound.delete(key);
      const at = time(condition(pod, "PodScheduled")?.lastTransitionTime);
      if (Number.isFinite(created)) this.metrics.podsBoundDuration.observe(Math.max(0, ((Number.isFinite(at) ? at : this.now()) - created) / 1000));
      this.scheduling?.bound(pod, Number.isFinite(at) ? at : this.now());
    }
    if (!this.pending.has(key)) return;
    if (isTrue(pod, "Ready")) {
      this.pending.delete(key);
      const at = time(condition(pod, "Ready")?.lastTransitionTime);
      if (Number.isFinite(created)) this.metrics.podsStartupDuration.observe(Math.max(0, ((Number.isFinite(at) ? at : this.now()) - created) / 1000));
      this.scheduling?.started(pod, Number.isFinite(at) ? at : this.now());
    } else if (isTerminal(pod)) {
      // A pod that ended without being ready never started: no startup to observe.
      this.pending.delete(key);
    }
  };

  /** Rebuilds the per-pod gauges from the pods held now. */
  refresh(pods: readonly V1Pod[], nodeOf: (name: string) => V1Node | undefined): void {
    const m = this.metrics;
    m.podsState.reset();
    m.podsUnstartedTime.reset();
    m.podsUnboundTime.reset();
    const now = this.now();
    this.scheduling?.refresh(pods, (p) => isTrue(p, "PodScheduled") || Boolean(p.spec?.nodeName));
    for (const pod of pods) {
      const node = pod.spec?.nodeName ? nodeOf(pod.spec.nodeName) : undefined;
      m.podsState.set(podStateLabels(pod, node), 1);
      if (pod.status?.phase !== "Pending") continue;
      const created = time(pod.metadata?.creationTimestamp);
      if (!Number.isFinite(created)) continue;
      const id = { name: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "" };
      const age = Math.max(0, (now - created) / 1000);
      m.podsUnstartedTime.set(id, age);
      if (!isTrue(pod, "PodScheduled")) m.podsUnboundTime.set(id, age);
    }
  }
}
