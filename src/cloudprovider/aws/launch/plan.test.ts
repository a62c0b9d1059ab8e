import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseNodeClaim } from "../../../apis/parse.js";
import { InstanceGPUCountLabel } from "../../../apis/labels.js";
import { type FakeTypeSpec, fakeInstanceType } from "../../fake/instancetypes.js";
import type { InstanceType, RequirementSpec } from "../../types.js";
import { candidateTypes, capacityTypeOrder, offeringsFor } from "./plan.js";

const claim = (requirements: { key: string; operator: string; values?: string[] }[], requests?: Record<string, string>) =>
  parseNodeClaim({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name: "c" },
    spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements, ...(requests ? { resources: { requests } } : {}) },
  });

/** A neutral fake type with the GPU-count label the AWS provider gives every type (DoesNotExist without GPUs). */
function awsLike(spec: FakeTypeSpec): InstanceType {
  const it = fakeInstanceType(spec);
  const gpus: RequirementSpec = spec.nvidiaGPUs ? { key: InstanceGPUCountLabel, operator: "In", values: [String(spec.nvidiaGPUs)] } : { key: InstanceGPUCountLabel, operator: "DoesNotExist" };
  return { ...it, requirements: [...it.requirements, gpus] };
}
const small = awsLike({ name: "fake.large", cpu: 2, memoryMiB: 8192, price: 0.1, spotPrice: 0.03 });
const big = awsLike({ name: "fake.4xlarge", cpu: 16, memoryMiB: 65536, price: 0.8, spotPrice: 0.5 });
const gpu = awsLike({ name: "fakeg.xlarge", cpu: 4, memoryMiB: 16384, price: 0.5, nvidiaGPUs: 1 });

describe("launch planning", () => {
  it("tries reserved, then spot, then on-demand, as far as the claim allows", () => {
    const reserved = { ...small, offerings: [...small.offerings, { zone: "us-east-1a", capacityType: "reserved" as const, price: 0, available: true, reservationID: "cr-1", reservationCapacity: 1 }] };
    assert.deepEqual(capacityTypeOrder(claim([]), [reserved]), ["reserved", "spot", "on-demand"]);
    assert.deepEqual(capacityTypeOrder(claim([{ key: "karpenter.sh/capacity-type", operator: "NotIn", values: ["spot"] }]), [reserved]), ["reserved", "on-demand"]);
    assert.deepEqual(capacityTypeOrder(claim([]), [small]), ["spot", "on-demand"]);
  });

  it("keeps accelerated types out unless nothing else fits", () => {
    assert.deepEqual(candidateTypes(claim([]), [small, gpu]).map((t) => t.name), ["fake.large"]);
    assert.deepEqual(candidateTypes(claim([{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "Exists" }]), [small, gpu]).map((t) => t.name), ["fakeg.xlarge"]);
    assert.deepEqual(candidateTypes(claim([], { "nvidia.com/gpu": "1" }), [small, gpu]).map((t) => t.name), ["fakeg.xlarge"]);
  });

  it("drops spot offerings dearer than the cheapest on-demand, and honours zones", () => {
    const spot = offeringsFor(claim([]), [small, big], "spot");
    // big's spot (0.5) costs more than small's on-demand (0.1).
    assert.deepEqual(new Set(spot.map((c) => c.instanceType.name)), new Set(["fake.large"]));
    const zoned = offeringsFor(claim([{ key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1b"] }]), [small, big], "on-demand");
    assert.deepEqual(zoned.map((c) => [c.instanceType.name, c.offering.zone]), [
      ["fake.large", "us-east-1b"],
      ["fake.4xlarge", "us-east-1b"],
    ]);
  });
});
