// karpenter_provisioner_scheduling_duration_seconds: the pre-v1 name of the scheduling-duration
// histogram, still queried by many dashboards and alerts. The provisioner observes it alongside
// karpenter_scheduler_scheduling_duration_seconds, on the same registry as every other metric.
import { Histogram, type Registry } from "prom-client";
import { durationBuckets } from "../../operator/metrics.js";

export const LegacySchedulingDurationName = "karpenter_provisioner_scheduling_duration_seconds";

const byRegistry = new WeakMap<Registry, Histogram<"controller">>();

/** The legacy histogram on `registry`, registered once per registry. */
export function legacySchedulingDuration(registry: Registry): Histogram<"controller"> {
  let h = byRegistry.get(registry);
  if (h) return h;
  const existing = registry.getSingleMetric(LegacySchedulingDurationName);
  h =
    existing instanceof Histogram
      ? (existing as Histogram<"controller">)
      : new Histogram({
          name: LegacySchedulingDurationName,
          help: "Seconds a provisioning scheduling simulation took (the pre-v1 name of karpenter_scheduler_scheduling_duration_seconds).",
          labelNames: ["controller"] as const,
          buckets: [...durationBuckets],
          registers: [registry],
        });
  byRegistry.set(registry, h);
  return h;
}
