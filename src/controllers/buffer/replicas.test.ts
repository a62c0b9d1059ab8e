import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1PodSpec } from "@kubernetes/client-node";
import { CapacityBufferSpecSchema, type CapacityBufferSpec } from "../../apis/capacitybuffer.js";
import { bufferReplicas, limitReplicas, percentageReplicas } from "./replicas.js";

const chunk: V1PodSpec = { containers: [{ name: "p", image: "pause", resources: { requests: { cpu: "2", memory: "4Gi" } } }] };
const spec = (s: Record<string, unknown>): CapacityBufferSpec => CapacityBufferSpecSchema.parse(s);

describe("CapacityBuffer replicas", () => {
  const cases: { name: string; spec: CapacityBufferSpec; scalable?: number; want: number }[] = [
    { name: "Karpenter's web-app-buffer: 5 replicas of 2 cpu / 4Gi under 20 cpu / 40Gi stay 5", spec: spec({ podTemplateRef: { name: "t" }, replicas: 5, limits: { cpu: "20", memory: "40Gi" } }), want: 5 },
    { name: "limits cap replicas: 20 of 2 cpu under 20 cpu is 10", spec: spec({ podTemplateRef: { name: "t" }, replicas: 20, limits: { cpu: "20" } }), want: 10 },
    { name: "limits alone: as many chunks as fit (the tightest resource decides)", spec: spec({ podTemplateRef: { name: "t" }, limits: { cpu: "20", memory: "12Gi" } }), want: 3 },
    { name: "20% of 10 replicas is 2", spec: spec({ scalableRef: { kind: "Deployment", name: "api" }, percentage: 20 }), scalable: 10, want: 2 },
    { name: "a percentage rounds up, and is at least 1", spec: spec({ scalableRef: { kind: "Deployment", name: "api" }, percentage: 1 }), scalable: 3, want: 1 },
    { name: "replicas and percentage: the larger, as the controllers compute it", spec: spec({ scalableRef: { kind: "Deployment", name: "api" }, percentage: 50, replicas: 3 }), scalable: 10, want: 5 },
    { name: "a scalable object with no replicas and no fixed count asks for none", spec: spec({ scalableRef: { kind: "Deployment", name: "api" }, percentage: 50 }), scalable: 0, want: 0 },
    { name: "limits naming no requested resource do not limit", spec: spec({ podTemplateRef: { name: "t" }, replicas: 4, limits: { "nvidia.com/gpu": "1" } }), want: 4 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(bufferReplicas(c.spec, chunk, c.scalable), c.want));

  it("counts an init container's requests when they exceed the containers'", () => {
    assert.equal(limitReplicas({ cpu: "8" }, { ...chunk, initContainers: [{ name: "i", image: "x", resources: { requests: { cpu: "4" } } }] }), 2);
    assert.equal(percentageReplicas(7, 30), 3);
  });
});
