import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allowedValues, specsCompatible as compatible } from "./requirements.js";
import type { RequirementSpec } from "./types.js";

const gpuType: RequirementSpec[] = [
  { key: "karpenter.k8s.aws/instance-gpu-count", operator: "In", values: ["1"] },
  { key: "karpenter.k8s.aws/instance-accelerator-count", operator: "DoesNotExist" },
  { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
  { key: "karpenter.k8s.aws/instance-cpu", operator: "In", values: ["4"] },
];

describe("requirement matching", () => {
  it("matches AMI variants to instance types", () => {
    assert.equal(compatible(gpuType, [{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "Exists" }]), true);
    assert.equal(compatible(gpuType, [{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "DoesNotExist" }]), false);
    assert.equal(compatible(gpuType, [{ key: "karpenter.k8s.aws/instance-accelerator-count", operator: "Exists" }]), false);
    assert.equal(compatible(gpuType, [{ key: "karpenter.k8s.aws/instance-accelerator-count", operator: "DoesNotExist" }]), true);
  });

  it("handles In, NotIn, Gt, Lt and labels the type does not describe", () => {
    assert.equal(compatible(gpuType, [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }]), false);
    assert.equal(compatible(gpuType, [{ key: "kubernetes.io/arch", operator: "NotIn", values: ["arm64"] }]), true);
    assert.equal(compatible(gpuType, [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Gt", values: ["3"] }]), true);
    assert.equal(compatible(gpuType, [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Lt", values: ["4"] }]), false);
    assert.equal(compatible(gpuType, [{ key: "team", operator: "In", values: ["a"] }]), true);
  });

  it("lists the values allowed for a key", () => {
    const reqs: RequirementSpec[] = [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }];
    assert.deepEqual(allowedValues(reqs, "karpenter.sh/capacity-type", ["reserved", "spot", "on-demand"]), ["spot", "on-demand"]);
    assert.deepEqual(allowedValues([], "karpenter.sh/capacity-type", ["reserved", "spot"]), ["reserved", "spot"]);
  });
});
