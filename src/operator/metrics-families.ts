// Karpenter's families that the first set (metrics.ts) lacked: the disruption ones by NodePool and
// validation, pods drained, the AWS provider's batchers and instance launch/termination failures,
// and the NodePool cost tracker's errors. Names, types, labels and buckets are Karpenter v1.14's.
// Each write is one call from the controller concerned into `families` below.
import type { V1Pod } from "@kubernetes/client-node";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { ConditionDisruptionReason } from "../apis/labels.js";
import type { NodeClaim } from "../apis/nodeclaim.js";
import { durationBuckets, registry as processRegistry } from "./metrics.js";

/** Karpenter's batcher size buckets. */
export const batchSizeBuckets: readonly number[] = [
  1, 2, 4, 5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 125, 150, 175, 200, 225, 250, 275, 300, 350, 400, 450, 500, 550, 600, 700, 800, 900, 1000,
];

export function createFamilies(registry: Registry) {
  const registers = [registry];
  const f = {
    decisionsByNodePool: new Counter({
      name: "karpenter_voluntary_disruption_decisions_by_nodepool_total",
      help: "Number of disruption decisions performed by nodepool. Labeled by nodepool name, disruption decision, reason, and consolidation type.",
      labelNames: ["nodepool", "decision", "reason", "consolidation_type"] as const,
      registers,
    }),
    failedValidations: new Counter({
      name: "karpenter_voluntary_disruption_failed_validations_total",
      help: "Number of candidates that were selected for disruption but failed validation. Labeled by consolidation type.",
      labelNames: ["consolidation_type"] as const,
      registers,
    }),
    nodesConsumingBudgets: new Gauge({
      name: "karpenter_nodepools_nodes_consuming_budgets",
      help: "The number of nodes consuming the budget of a nodepool at a point in time. Labeled by NodePool.",
      labelNames: ["nodepool", "reason"] as const,
      registers,
    }),
    podsDrained: new Counter({
      name: "karpenter_pods_drained_total",
      help: "The total number of pods drained during node termination by Karpenter, labeled by reason",
      labelNames: ["reason"] as const,
      registers,
    }),
    batchTime: new Histogram({
      name: "karpenter_cloudprovider_batcher_batch_time_seconds",
      help: "Duration of the batching window per batcher",
      labelNames: ["batcher"] as const,
      buckets: [...durationBuckets],
      registers,
    }),
    batchSize: new Histogram({
      name: "karpenter_cloudprovider_batcher_batch_size",
      help: "Size of the request batch per batcher",
      labelNames: ["batcher"] as const,
      buckets: [...batchSizeBuckets],
      registers,
    }),
    launchFailures: new Counter({
      name: "karpenter_cloudprovider_instance_launch_failures_total",
      help: "Number of instance launch (CreateFleet offering) failures, dimensioned by availability zone, zone ID, capacity type, and launch failure reason.",
      labelNames: ["zone", "zone_id", "capacity_type", "reason"] as const,
      registers,
    }),
    costTrackerErrors: new Counter({
      name: "karpenter_nodepools_cost_tracker_errors_total",
      help: "Number of errors encountered during cost tracking operations. Labeled by nodepool and nodeclaim.",
      labelNames: ["nodepool"] as const,
      registers,
    }),
    terminationFailures: new Counter({
      name: "karpenter_cloudprovider_instance_termination_failures_total",
      help: "Number of instance termination (TerminateInstances) failures, dimensioned by availability zone and zone ID.",
      labelNames: ["zone", "zone_id"] as const,
      registers,
    }),
  };
  // The series a rate() over them needs exist from the start, as the controllers that feed them do.
  for (const consolidation_type of ["empty", "multi", "single"]) f.failedValidations.inc({ consolidation_type }, 0);
  return f;
}

export type Families = ReturnType<typeof createFamilies>;

/** The process-wide families, on the registry /metrics serves. */
export const families: Families = createFamilies(processRegistry);

/**
 * Karpenter's reason for draining a pod: the DisruptionReason its NodeClaim carries, else
 * "Forceful Termination"; empty when the pod's node has no NodeClaim.
 */
export function drainReason(claim: Pick<NodeClaim, "status"> | undefined): string {
  if (!claim) return "";
  const c = claim.status?.conditions?.find((x) => x.type === ConditionDisruptionReason);
  return c?.status === "True" && c.reason ? c.reason : "Forceful Termination";
}

/** One pod drained (evicted) off its node: counted by its NodeClaim's disruption reason. */
export function podDrained(_pod: V1Pod, claim: Pick<NodeClaim, "status"> | undefined, f: Families = families): string {
  const reason = drainReason(claim);
  f.podsDrained.inc({ reason });
  return reason;
}

/** One batch closed: how many calls it held and how long its window stayed open. */
export function observeBatch(batcher: string, size: number, seconds: number, f: Families = families): void {
  f.batchSize.observe({ batcher }, size);
  f.batchTime.observe({ batcher }, seconds);
}
