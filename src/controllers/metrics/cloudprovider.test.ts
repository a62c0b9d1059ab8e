import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeCloudProvider } from "../../cloudprovider/fake/index.js";
import { NodeClaimNotFoundError } from "../../cloudprovider/errors.js";
import { Registry, createMetrics } from "../../operator/metrics.js";
import { measuredCloudProvider } from "./cloudprovider.js";

describe("measured cloud provider", () => {
  it("times each call by controller and method, and counts its errors by Karpenter's error name", async () => {
    const reg = new Registry();
    const m = createMetrics(reg);
    const inner = new FakeCloudProvider();
    const cp = measuredCloudProvider(inner, "nodeclaim.lifecycle", m);
    await cp.list();
    await assert.rejects(cp.get("fake://missing"), NodeClaimNotFoundError);
    const json = await reg.getMetricsAsJSON();
    const count = json.find((x) => x.name === "karpenter_cloudprovider_duration_seconds")!.values.filter((v) => (v as { metricName?: string }).metricName?.endsWith("_count"));
    assert.deepEqual(count.map((v) => [v.labels.method, v.labels.controller, v.labels.provider, v.value]).sort(), [["Get", "nodeclaim.lifecycle", inner.name, 1], ["List", "nodeclaim.lifecycle", inner.name, 1]]);
    const errors = json.find((x) => x.name === "karpenter_cloudprovider_errors_total")!.values;
    assert.equal(errors.find((v) => v.labels.method === "Get" && v.labels.error === "NodeClaimNotFoundError")?.value, 1);
    assert.equal(errors.find((v) => v.labels.method === "Create" && v.labels.error === "")?.value, 0, "every method's error series starts at 0");
  });
});
