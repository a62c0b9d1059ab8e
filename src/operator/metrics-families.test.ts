import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { createFamilies, drainReason, observeBatch, podDrained } from "./metrics-families.js";

const claim = (status: "True" | "False", reason: string) => ({ status: { conditions: [{ type: "DisruptionReason", status, reason, message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }] } });

describe("Karpenter's further families", () => {
  it("names a drain by the NodeClaim's disruption reason, as Karpenter does", () => {
    assert.equal(drainReason(undefined), "");
    assert.equal(drainReason({ status: {} }), "Forceful Termination");
    assert.equal(drainReason(claim("True", "Underutilized")), "Underutilized");
    assert.equal(drainReason(claim("False", "Underutilized")), "Forceful Termination");
  });

  it("counts pods drained and observes batches", async () => {
    const reg = new Registry();
    const f = createFamilies(reg);
    podDrained({ metadata: { name: "p" } }, claim("True", "Drifted"), f);
    observeBatch("create_fleet", 3, 0.04, f);
    const json = await reg.getMetricsAsJSON();
    const get = (name: string) => json.find((m) => m.name === name)!.values;
    assert.deepEqual(get("karpenter_pods_drained_total").map((v) => [v.labels.reason, v.value]), [["Drifted", 1]]);
    assert.equal(get("karpenter_cloudprovider_batcher_batch_size").find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"))?.value, 3);
    assert.equal(get("karpenter_cloudprovider_batcher_batch_time_seconds").find((v) => (v as { metricName?: string }).metricName?.endsWith("_count"))?.labels.batcher, "create_fleet");
    // Failed validations start at zero for every consolidation type, so a rate over them reads 0.
    assert.deepEqual(get("karpenter_voluntary_disruption_failed_validations_total").map((v) => v.labels.consolidation_type).sort(), ["empty", "multi", "single"]);
  });
});
