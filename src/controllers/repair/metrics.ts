// Karpenter's node repair metric (its node health controller's), same name, type and labels.
import { Counter, type Registry } from "prom-client";
import { registry as processRegistry } from "../../operator/metrics.js";

export function createRepairMetrics(registry: Registry) {
  return {
    unhealthyDisrupted: new Counter({
      name: "karpenter_nodeclaims_unhealthy_disrupted_total",
      help: "Number of unhealthy nodeclaims disrupted in total by Karpenter. Labeled by condition on the node was disrupted, the owning nodepool, and the image ID.",
      labelNames: ["condition", "nodepool", "capacity_type", "image_id"] as const,
      registers: [registry],
    }),
  };
}

export type RepairMetrics = ReturnType<typeof createRepairMetrics>;

let processWide: RepairMetrics | undefined;
/** The process-wide repair metrics on the registry /metrics serves, made on first use. */
export function repairMetrics(): RepairMetrics {
  processWide ??= createRepairMetrics(processRegistry);
  return processWide;
}
