import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CapacityBufferSchema } from "../../apis/capacitybuffer.js";
import { buffersForPodTemplate } from "./podtemplates.js";

const buffer = (name: string, namespace: string, spec: Record<string, unknown>) =>
  CapacityBufferSchema.parse({ apiVersion: "autoscaling.x-k8s.io/v1beta1", kind: "CapacityBuffer", metadata: { name, namespace }, spec });

describe("buffersForPodTemplate", () => {
  it("names the buffers of that namespace whose podTemplateRef is the template", () => {
    const buffers = [
      buffer("a", "team", { podTemplateRef: { name: "t" }, replicas: 1 }),
      buffer("b", "team", { podTemplateRef: { name: "other" }, replicas: 1 }),
      buffer("c", "elsewhere", { podTemplateRef: { name: "t" }, replicas: 1 }),
      buffer("d", "team", { scalableRef: { apiGroup: "apps", kind: "Deployment", name: "t" }, percentage: 10 }),
    ];
    assert.deepEqual(buffersForPodTemplate(buffers, "team", "t"), ["team/a"]);
    assert.deepEqual(buffersForPodTemplate(buffers, "team", "missing"), []);
  });
});
