// The gauges that describe the cluster as tenon holds it — cluster state, nodes, pods, NodePool
// cost, instance types and offerings — read from the watches at each scrape, so a scrape is never
// staler than the cache. Instance types come from the cloud provider's cache, refreshed in the
// background so a scrape never waits on AWS.
import type { CloudProvider, InstanceType } from "../../cloudprovider/types.js";
import type { Metrics } from "../../operator/metrics.js";
import type { ClusterState } from "../../state/cluster.js";
import type { Clock } from "../runtime/clock.js";
import { families } from "../../operator/metrics-families.js";
import { PodMetrics } from "./pods.js";
import { type SchedulingMetrics, schedulingMetrics } from "./scheduling.js";
import { clusterSamples, type NodeGauge, type Sample } from "./samples.js";
import type { Gauge } from "prom-client";

export interface ClusterMetricsDeps {
  metrics: Metrics;
  state: ClusterState;
  cloudProvider: CloudProvider;
  clock: Clock;
  /** How often instance types are re-read from the provider's cache. */
  instanceTypesEveryMs?: number;
  /** The provisioning timings the solves feed; the process-wide ones unless a test gives its own. */
  scheduling?: SchedulingMetrics;
}

function replace(gauge: Gauge<string>, samples: readonly Sample[]): void {
  gauge.reset();
  for (const s of samples) gauge.set(s.labels, s.value);
}

/** Subscribes to the watches and refreshes the cluster's gauges before every scrape. */
export function observeCluster(d: ClusterMetricsDeps): void {
  const { metrics: m, state, clock } = d;
  const pods = new PodMetrics(m, () => clock.now(), d.scheduling ?? schedulingMetrics);
  state.pods.on(pods.onPod);
  let unsyncedSince: number | undefined = clock.now();
  let types = new Map<string, readonly InstanceType[]>();
  let typesAt = -Infinity;
  let refreshing = false;
  const every = d.instanceTypesEveryMs ?? 30_000;

  const refreshTypes = async () => {
    refreshing = true;
    const next = new Map<string, readonly InstanceType[]>();
    try {
      for (const np of state.nodePools.list()) {
        try {
          next.set(np.metadata.name ?? "", await d.cloudProvider.getInstanceTypes(np));
        } catch {
          // A pool whose types cannot be listed (node class not ready) has no prices yet: its nodes cost 0 until it does.
          families.costTrackerErrors.inc({ nodepool: np.metadata.name ?? "" });
        }
      }
      types = next;
      typesAt = clock.now();
    } finally {
      refreshing = false;
    }
  };

  const nodeGauges: Record<NodeGauge, Gauge<string>> = {
    allocatable: m.nodesAllocatable,
    podRequests: m.nodesTotalPodRequests,
    podLimits: m.nodesTotalPodLimits,
    daemonRequests: m.nodesTotalDaemonRequests,
    daemonLimits: m.nodesTotalDaemonLimits,
    systemOverhead: m.nodesSystemOverhead,
  };

  m.onScrape(async () => {
    const now = clock.now();
    const synced = state.synced;
    if (synced) unsyncedSince = undefined;
    else unsyncedSince ??= now;
    m.clusterStateSynced.set(synced ? 1 : 0);
    m.clusterStateUnsyncedTime.set(unsyncedSince === undefined ? 0 : (now - unsyncedSince) / 1000);
    if (now - typesAt >= every && !refreshing) {
      // The first refresh is awaited (so the first scrape has prices); later ones run behind.
      if (typesAt === -Infinity) await refreshTypes().catch(() => undefined);
      else void refreshTypes().catch(() => undefined);
    }
    const model = state.model({ now, instanceTypes: types });
    const s = clusterSamples(model, now);
    m.clusterStateNodeCount.set(s.nodeCount);
    for (const [k, g] of Object.entries(nodeGauges) as [NodeGauge, Gauge<string>][]) replace(g, s.nodes[k]);
    replace(m.nodesCurrentLifetime, s.lifetime);
    replace(m.clusterUtilization, s.utilization);
    // Every NodePool has a cost, 0 while it has no nodes.
    const cost = new Map(s.nodePoolCost.map((c) => [c.labels.nodepool!, c.value]));
    for (const np of state.nodePools.list()) if (!cost.has(np.metadata.name ?? "")) cost.set(np.metadata.name ?? "", 0);
    replace(m.nodePoolCost, [...cost].map(([nodepool, value]) => ({ labels: { nodepool }, value })));
    replace(m.instanceTypeCPU, instanceTypeSamples(types, (it) => it.capacity["cpu"] === undefined ? undefined : it.capacity["cpu"] / 1000));
    replace(m.instanceTypeMemory, instanceTypeSamples(types, (it) => it.capacity["memory"]));
    replace(m.offeringAvailable, offeringSamples(types, (o) => (o.available ? 1 : 0)));
    replace(m.offeringPrice, offeringSamples(types, (o) => o.price));
    pods.refresh(state.pods.list(), (name) => state.nodes.get(name));
  });
}

function instanceTypeSamples(types: ReadonlyMap<string, readonly InstanceType[]>, value: (it: InstanceType) => number | undefined): Sample[] {
  const out = new Map<string, number>();
  for (const list of types.values()) for (const it of list) {
    const v = value(it);
    if (v !== undefined) out.set(it.name, v);
  }
  return [...out].map(([instance_type, v]) => ({ labels: { instance_type }, value: v }));
}

function offeringSamples(types: ReadonlyMap<string, readonly InstanceType[]>, value: (o: InstanceType["offerings"][number]) => number): Sample[] {
  const out = new Map<string, Sample>();
  for (const list of types.values())
    for (const it of list)
      for (const o of it.offerings) {
        const labels = { instance_type: it.name, capacity_type: o.capacityType, zone: o.zone };
        out.set(`${it.name}/${o.capacityType}/${o.zone}`, { labels, value: value(o) });
      }
  return [...out.values()];
}
