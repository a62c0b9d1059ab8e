// Every metric tenon exports, under Karpenter v1's names, types and labels, so Karpenter's
// dashboards and alerts work unchanged. Defined in one place: controllers import `metrics` (or a
// fresh `createMetrics(new Registry())` in tests) rather than declaring their own.
//
// Where Karpenter's v1 minor releases disagree on a label set (they added capacity_type, zone and
// min_values_relaxed over time), a metric carries the union: selectors and `by (...)` clauses
// written for any v1 release still match, and a label tenon cannot fill is exported empty.
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from "prom-client";
import { EC2NodeClassLabel, WellKnownNodeLabels } from "../apis/labels.js";

export { Registry } from "prom-client";

/** Karpenter's duration buckets: controller-runtime's, plus long tails for slow singletons. */
export const durationBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0,
  2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60, 120, 150, 300, 450, 600,
];

function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** Node labels Karpenter turns into node metric labels (`karpenter.sh/capacity-type` → `capacity_type`). */
export const nodeMetricLabelKeys: readonly string[] = WellKnownNodeLabels.filter((k) => k !== EC2NodeClassLabel);

/** The metric label for a node label: the part after the prefix, snake_cased. */
export function nodeMetricLabelName(labelKey: string): string {
  const name = labelKey.slice(labelKey.lastIndexOf("/") + 1);
  return name.toLowerCase().replace(/[-.]/g, "_");
}

const nodeLabelNames = [...new Set(nodeMetricLabelKeys.map(nodeMetricLabelName)), "node_name", "phase", "managed"];
const nodeResourceLabelNames = [...nodeLabelNames, "resource_type"];

/** The label values of a node's metrics, with every well-known label present (empty when unset). */
export function nodeMetricLabels(node: {
  name: string;
  labels?: Readonly<Record<string, string>>;
  phase?: string;
  managed: boolean;
}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of nodeMetricLabelKeys) out[nodeMetricLabelName(key)] = node.labels?.[key] ?? "";
  out.node_name = node.name;
  out.phase = node.phase ?? "";
  out.managed = String(node.managed);
  return out;
}

/** Karpenter's resource_type label value: `nvidia.com/gpu` stays, `ephemeral-storage` → `ephemeral_storage`. */
export function resourceTypeLabel(resourceName: string): string {
  return resourceName.toLowerCase().replace(/-/g, "_");
}

/**
 * Refreshers of gauges that read the cluster at scrape time. Each such gauge's collect() runs them;
 * one scrape runs them once (the gauges of a scrape are collected back to back).
 */
class ScrapeHooks {
  private readonly hooks: (() => void | Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  private ranAt = -Infinity;

  add(hook: () => void | Promise<void>): void {
    this.hooks.push(hook);
  }

  run(): Promise<void> {
    const now = Date.now();
    if (this.running && now - this.ranAt < 250) return this.running;
    this.ranAt = now;
    this.running = (async () => {
      for (const hook of this.hooks) await hook();
    })();
    return this.running;
  }
}

export function createMetrics(registry: Registry) {
  const registers = [registry];
  const buckets = [...durationBuckets];
  const scrape = new ScrapeHooks();
  const atScrape = { collect: () => scrape.run() };
  return {
    /** Runs `hook` before a scrape reads the gauges it sets (cluster state, nodes, pods, NodePool cost). */
    onScrape(hook: () => void | Promise<void>): void {
      scrape.add(hook);
    },
    buildInfo: new Gauge({
      name: "karpenter_build_info",
      help: "A metric with a constant '1' value labeled by version from which karpenter was built.",
      labelNames: ["version", "goversion", "goarch", "commit"] as const,
      registers,
    }),
    // NodeClaims
    nodeClaimsCreated: new Counter({
      name: "karpenter_nodeclaims_created_total",
      help: "NodeClaims created, by why they were created, the owning NodePool, capacity type and whether minValues were relaxed.",
      labelNames: ["reason", "nodepool", "capacity_type", "min_values_relaxed"] as const,
      registers,
    }),
    nodeClaimsTerminated: new Counter({
      name: "karpenter_nodeclaims_terminated_total",
      help: "NodeClaims terminated, by owning NodePool, capacity type and zone.",
      labelNames: ["nodepool", "capacity_type", "zone"] as const,
      registers,
    }),
    nodeClaimsDisrupted: new Counter({
      name: "karpenter_nodeclaims_disrupted_total",
      help: "NodeClaims disrupted, by disruption reason, owning NodePool and capacity type.",
      labelNames: ["reason", "nodepool", "capacity_type"] as const,
      registers,
    }),
    nodeClaimsTerminationDuration: new Histogram({
      name: "karpenter_nodeclaims_termination_duration_seconds",
      help: "Seconds from a NodeClaim's deletion request until it is gone.",
      labelNames: ["nodepool"] as const,
      buckets: exponentialBuckets(1, 2, 12),
      registers,
    }),
    nodeClaimsInstanceTerminationDuration: new Histogram({
      name: "karpenter_nodeclaims_instance_termination_duration_seconds",
      help: "Seconds the cloud provider took to terminate a NodeClaim's instance.",
      labelNames: ["nodepool"] as const,
      buckets: exponentialBuckets(1, 2, 11),
      registers,
    }),

    // Nodes
    nodesCreated: new Counter({
      name: "karpenter_nodes_created_total",
      help: "Nodes created, by owning NodePool and zone.",
      labelNames: ["nodepool", "zone"] as const,
      registers,
    }),
    nodesTerminated: new Counter({
      name: "karpenter_nodes_terminated_total",
      help: "Nodes terminated, by owning NodePool and zone.",
      labelNames: ["nodepool", "zone"] as const,
      registers,
    }),
    nodesDrained: new Counter({
      name: "karpenter_nodes_drained_total",
      help: "The total number of nodes drained by Karpenter",
      labelNames: ["nodepool"] as const,
      registers,
    }),
    nodesTerminationDuration: new Summary({
      name: "karpenter_nodes_termination_duration_seconds",
      help: "The time taken between a node's deletion request and the removal of its finalizer",
      labelNames: ["nodepool"] as const,
      percentiles: [0, 0.5, 0.9, 0.99, 1],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    }),
    nodesLifetimeDuration: new Histogram({
      name: "karpenter_nodes_lifetime_duration_seconds",
      help: "The lifetime duration of the nodes since creation.",
      labelNames: ["nodepool"] as const,
      // Karpenter's: 15m to 30 days.
      buckets: [15, 30, 45, 60, 120, 240, 360, 480, 600, 720, 960, 1200, 1440, 2880, 4320, 7200, 14400, 21600, 28800, 36000, 43200].map((m) => m * 60),
      registers,
    }),
    nodesAllocatable: new Gauge({
      name: "karpenter_nodes_allocatable",
      help: "A node's allocatable resources.",
      labelNames: nodeResourceLabelNames,
      registers,
      ...atScrape,
    }),
    nodesTotalPodRequests: new Gauge({
      name: "karpenter_nodes_total_pod_requests",
      help: "Resources requested by the pods bound to a node, DaemonSet pods included.",
      labelNames: nodeResourceLabelNames,
      registers,
      ...atScrape,
    }),
    nodesTotalPodLimits: new Gauge({
      name: "karpenter_nodes_total_pod_limits",
      help: "Resource limits of the pods bound to a node, DaemonSet pods included.",
      labelNames: nodeResourceLabelNames,
      registers,
      ...atScrape,
    }),
    nodesTotalDaemonRequests: new Gauge({
      name: "karpenter_nodes_total_daemon_requests",
      help: "Resources requested by the DaemonSet pods bound to a node.",
      labelNames: nodeResourceLabelNames,
      registers,
      ...atScrape,
    }),
    nodesTotalDaemonLimits: new Gauge({
      name: "karpenter_nodes_total_daemon_limits",
      help: "Resource limits of the DaemonSet pods bound to a node.",
      labelNames: nodeResourceLabelNames,
      registers,
      ...atScrape,
    }),
    nodesSystemOverhead: new Gauge({
      name: "karpenter_nodes_system_overhead",
      help: "A node's capacity minus its allocatable: what the system reserves.",
      labelNames: nodeResourceLabelNames,
      registers,
      ...atScrape,
    }),
    nodesCurrentLifetime: new Gauge({
      name: "karpenter_nodes_current_lifetime_seconds",
      help: "A node's age in seconds.",
      labelNames: nodeLabelNames,
      registers,
      ...atScrape,
    }),

    // Pods
    podsState: new Gauge({
      name: "karpenter_pods_state",
      help: "Pod state is the current state of pods, labelled by name, namespace, owner, node, NodePool, zone, architecture, capacity type, instance type, phase and readiness.",
      labelNames: ["name", "namespace", "owner", "node", "scheduled", "nodepool", "zone", "arch", "capacity_type", "instance_type", "phase", "ready", "managed"] as const,
      registers,
      ...atScrape,
    }),
    // Go's summaries forget observations older than ten minutes (five age buckets); so do these.
    podsStartupDuration: new Summary({
      name: "karpenter_pods_startup_duration_seconds",
      help: "The time from pod creation until the pod is running.",
      percentiles: [0, 0.5, 0.9, 0.99, 1],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    }),
    podsUnstartedTime: new Gauge({
      name: "karpenter_pods_unstarted_time_seconds",
      help: "The time from pod creation until the pod is running.",
      labelNames: ["name", "namespace"] as const,
      registers,
      ...atScrape,
    }),
    podsBoundDuration: new Histogram({
      name: "karpenter_pods_bound_duration_seconds",
      help: "The time from pod creation until the pod is bound.",
      buckets,
      registers,
    }),
    podsUnboundTime: new Gauge({
      name: "karpenter_pods_unbound_time_seconds",
      help: "The time from pod creation until the pod is bound.",
      labelNames: ["name", "namespace"] as const,
      registers,
      ...atScrape,
    }),
    clusterUtilization: new Gauge({
      name: "karpenter_cluster_utilization_percent",
      help: "Utilization of allocatable resources by pod requests",
      labelNames: ["resource_type"] as const,
      registers,
      ...atScrape,
    }),
    nodePoolCost: new Gauge({
      name: "karpenter_nodepools_cost_total",
      help: "Total hourly cost of a NodePool's nodes from tenon's prices (on-demand or spot, per offering); not a billing source.",
      labelNames: ["nodepool"] as const,
      registers,
      ...atScrape,
    }),
    // Pod evictions (the node termination's eviction queue)
    podsEvictionRequests: new Counter({
      name: "karpenter_pods_eviction_requests_total",
      help: "Eviction requests sent to the API server, by the HTTP status code of the answer.",
      labelNames: ["code"] as const,
      registers,
    }),

    // Scheduler (the provisioner's and disruption's scheduling simulations)
    schedulingDuration: new Histogram({
      name: "karpenter_scheduler_scheduling_duration_seconds",
      help: "Seconds a scheduling simulation took, for provisioning or disruption.",
      labelNames: ["controller"] as const,
      buckets,
      registers,
    }),

    // Cloud provider
    cloudProviderDuration: new Histogram({
      name: "karpenter_cloudprovider_duration_seconds",
      help: "Seconds a cloud provider method call took, by calling controller, method and provider.",
      labelNames: ["controller", "method", "provider"] as const,
      registers,
    }),
    instanceTypeCPU: new Gauge({
      name: "karpenter_cloudprovider_instance_type_cpu_cores",
      help: "VCPUs cores for a given instance type.",
      labelNames: ["instance_type"] as const,
      registers,
      ...atScrape,
    }),
    instanceTypeMemory: new Gauge({
      name: "karpenter_cloudprovider_instance_type_memory_bytes",
      help: "Memory, in bytes, for a given instance type.",
      labelNames: ["instance_type"] as const,
      registers,
      ...atScrape,
    }),
    offeringAvailable: new Gauge({
      name: "karpenter_cloudprovider_instance_type_offering_available",
      help: "Instance type offering availability, based on instance type, capacity type, and zone",
      labelNames: ["instance_type", "capacity_type", "zone"] as const,
      registers,
      ...atScrape,
    }),
    offeringPrice: new Gauge({
      name: "karpenter_cloudprovider_instance_type_offering_price_estimate",
      help: "Instance type offering estimated hourly price used when making informed decisions on node cost calculation, based on instance type, capacity type, and zone.",
      labelNames: ["instance_type", "capacity_type", "zone"] as const,
      registers,
      ...atScrape,
    }),
    cloudProviderErrors: new Counter({
      name: "karpenter_cloudprovider_errors_total",
      help: "Errors returned by cloud provider method calls, by calling controller, method, provider and error type.",
      labelNames: ["controller", "method", "provider", "error"] as const,
      registers,
    }),

    // NodePools
    nodePoolUsage: new Gauge({
      name: "karpenter_nodepools_usage",
      help: "Resources provisioned for a NodePool, by resource type.",
      labelNames: ["nodepool", "resource_type"] as const,
      registers,
    }),
    nodePoolLimit: new Gauge({
      name: "karpenter_nodepools_limit",
      help: "A NodePool's limit on provisioned resources, by resource type.",
      labelNames: ["nodepool", "resource_type"] as const,
      registers,
    }),
    nodePoolAllowedDisruptions: new Gauge({
      name: "karpenter_nodepools_allowed_disruptions",
      help: "Nodes of a NodePool that may be disrupting at once right now, by disruption reason.",
      labelNames: ["nodepool", "reason"] as const,
      registers,
    }),

    // Voluntary disruption
    disruptionDecisions: new Counter({
      name: "karpenter_voluntary_disruption_decisions_total",
      help: "Disruption decisions made, by decision, reason and consolidation type.",
      labelNames: ["decision", "reason", "consolidation_type"] as const,
      registers,
    }),
    disruptionEligibleNodes: new Gauge({
      name: "karpenter_voluntary_disruption_eligible_nodes",
      help: "Nodes eligible for disruption, by disruption reason.",
      labelNames: ["reason"] as const,
      registers,
    }),
    disruptionEvaluationDuration: new Histogram({
      name: "karpenter_voluntary_disruption_decision_evaluation_duration_seconds",
      help: "Seconds spent evaluating disruption decisions, by reason and consolidation type.",
      labelNames: ["reason", "consolidation_type"] as const,
      buckets,
      registers,
    }),
    disruptionConsolidationTimeouts: new Counter({
      name: "karpenter_voluntary_disruption_consolidation_timeouts_total",
      help: "Times a consolidation search ran out of time, by consolidation type.",
      labelNames: ["consolidation_type"] as const,
      registers,
    }),
    disruptionQueueFailures: new Counter({
      name: "karpenter_voluntary_disruption_queue_failures_total",
      help: "Queued disruption commands that failed, by decision, reason and consolidation type.",
      labelNames: ["decision", "reason", "consolidation_type"] as const,
      registers,
    }),
    consolidationScore: new Histogram({
      name: "karpenter_consolidation_score",
      help: "Score of balanced consolidation moves. Labeled by decision, NodePool, and policy.",
      labelNames: ["decision", "nodepool", "policy"] as const,
      // Karpenter's: around the approval threshold of 1/k = 0.5.
      buckets: [0.1, 0.25, 0.33, 0.5, 1.0, 2.0, 5.0, 10.0],
      registers,
    }),
    consolidationMoves: new Counter({
      name: "karpenter_consolidation_moves_total",
      help: "Number of balanced consolidation moves. Labeled by decision, NodePool, and policy.",
      labelNames: ["decision", "nodepool", "policy"] as const,
      registers,
    }),

    // Cluster state
    clusterStateNodeCount: new Gauge({
      name: "karpenter_cluster_state_node_count",
      help: "Nodes in tenon's cluster state.",
      registers,
      ...atScrape,
    }),
    clusterStateSynced: new Gauge({
      name: "karpenter_cluster_state_synced",
      help: "1 when the cluster state holds every NodeClaim and Node the API server has, else 0.",
      registers,
      ...atScrape,
    }),
    clusterStateUnsyncedTime: new Gauge({
      name: "karpenter_cluster_state_unsynced_time_seconds",
      help: "Seconds the cluster state has been out of sync with the API server.",
      registers,
      ...atScrape,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Counters whose label values are known up front start at 0, so a rate over them (dashboards,
 * alerts) reads 0 rather than "no data" until the first event.
 */
function zeroKnownSeries(m: Metrics): void {
  for (const consolidation_type of ["multi", "single"]) m.disruptionConsolidationTimeouts.inc({ consolidation_type }, 0);
}

/** Adds the process and Node.js runtime metrics (CPU, memory, event loop, GC) to a registry. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
}

/** The process-wide registry that /metrics serves. */
export const registry = new Registry();
/** The process-wide metrics, registered on `registry`. */
export const metrics: Metrics = createMetrics(registry);
zeroKnownSeries(metrics);

// ---- Prices (tenon's own: Karpenter has no metric for a price refresh that fails) ----

const zeroed = (c: Counter<"price_type">): Counter<"price_type"> => {
  for (const price_type of ["on-demand", "spot"]) c.inc({ price_type }, 0);
  return c;
};

/** Price refresh failures and the age of the prices in use, fed by the AWS provider's pricing. */
export function createPricingMetrics(registry: Registry) {
  const readers: (() => { priceType: "on-demand" | "spot"; seconds: number }[])[] = [];
  return {
    pricingRefreshErrors: zeroed(new Counter({
      name: "tenon_pricing_refresh_errors_total",
      help: "Price refreshes that failed (the prices in use were kept), by price type (on-demand, spot).",
      labelNames: ["price_type"] as const,
      registers: [registry],
    })),
    pricingAge: new Gauge({
      name: "tenon_pricing_age_seconds",
      help: "Seconds since the prices in use were last refreshed, by price type; prices never refreshed count from the controller's start.",
      labelNames: ["price_type"] as const,
      registers: [registry],
      collect() {
        for (const read of readers) for (const a of read()) this.set({ price_type: a.priceType }, a.seconds);
      },
    }),
    /** What the age gauge reads at each scrape. */
    observePricingAge(read: () => { priceType: "on-demand" | "spot"; seconds: number }[]): void {
      readers.push(read);
    },
  };
}

export type PricingMetrics = ReturnType<typeof createPricingMetrics>;
/** The process-wide pricing metrics, registered on `registry`. */
export const pricingMetrics: PricingMetrics = createPricingMetrics(registry);
