import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InstanceType } from "../../types.js";
import { Gi, Mi } from "../../../core/quantity.js";
import { allocatable, kubeReservedCPU } from "./capacity.js";
import { type ConversionOptions, toInstanceType } from "./instancetypes.js";
import type { InstanceTypeShape } from "./shape.js";

// m5.large as DescribeInstanceTypes reports it (the fields tenon reads).
const m5large: InstanceTypeShape = {
  InstanceType: "m5.large",
  Hypervisor: "nitro",
  SupportedUsageClasses: ["on-demand", "spot"],
  VCpuInfo: { DefaultVCpus: 2 },
  MemoryInfo: { SizeInMiB: 8192 },
  ProcessorInfo: { SupportedArchitectures: ["x86_64"], Manufacturer: "Intel", SustainedClockSpeedInGhz: 3.1 },
  NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10, DefaultNetworkCardIndex: 0, EncryptionInTransitSupported: false, NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3, BaselineBandwidthInGbps: 0.75 }] },
  EbsInfo: { EbsOptimizedSupport: "default", EbsOptimizedInfo: { MaximumBandwidthInMbps: 4750 } },
};

const base: ConversionOptions = { region: "us-east-1", zones: [{ name: "us-east-1a", id: "use1-az6" }, { name: "us-east-1b" }], amiFamily: "AL2023", vmMemoryOverheadPercent: 0.075, reservedENIs: 0 };
const prices = { prices: { onDemand: () => 0.096, spot: (_t: string, z: string) => (z === "us-east-1a" ? 0.03 : undefined) }, isUnavailable: () => false };

const convert = (info: InstanceTypeShape, opts: Partial<ConversionOptions> = {}, zones = ["us-east-1a", "us-east-1b", "us-east-1c"]): InstanceType => {
  const it = toInstanceType(info, zones, { ...base, ...opts }, prices);
  assert.ok(it, "converted");
  return it;
};
const req = (it: InstanceType, key: string) => it.requirements.find((r) => r.key === key);

describe("instance type conversion", () => {
  it("computes capacity as EKS AMIs configure the kubelet", () => {
    const it = convert(m5large);
    // 8192Mi less ceil(8192 × 0.075)Mi of VM overhead
    assert.equal(it.capacity.memory, (8192 - 615) * Mi);
    assert.equal(it.capacity.cpu, 2000);
    assert.equal(it.capacity.pods, 3 * (10 - 1) + 2);
    assert.equal(it.capacity["ephemeral-storage"], 20 * Gi);
    // kube-reserved: 6% of core 1 + 1% of core 2; 11Mi × 29 pods + 255Mi; 1Gi of disk
    assert.deepEqual(it.overhead.kubeReserved, { cpu: 70, memory: (11 * 29 + 255) * Mi, "ephemeral-storage": Gi });
    assert.deepEqual(it.overhead.evictionThreshold, { memory: 100 * Mi, "ephemeral-storage": Math.ceil((20 * Gi) / 10) });
    assert.equal(allocatable(it.capacity, it.overhead).memory, (7577 - 574 - 100) * Mi);
  });

  it("labels the type like Karpenter and states missing labels as DoesNotExist", () => {
    const it = convert(m5large);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-family")?.values, ["m5"]);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-category")?.values, ["m"]);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-generation")?.values, ["5"]);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-size")?.values, ["large"]);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-network-bandwidth")?.values, ["750"]);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-ebs-bandwidth")?.values, ["4750"]);
    assert.deepEqual(req(it, "karpenter.k8s.aws/instance-cpu-manufacturer")?.values, ["intel"]);
    assert.deepEqual(req(it, "kubernetes.io/arch")?.values, ["amd64"]);
    assert.equal(req(it, "karpenter.k8s.aws/instance-gpu-count")?.operator, "DoesNotExist");
    // Only the node class's zones, with their zone IDs where known.
    assert.deepEqual(req(it, "topology.kubernetes.io/zone")?.values, ["us-east-1a", "us-east-1b"]);
    assert.deepEqual(req(it, "topology.k8s.aws/zone-id")?.values, ["use1-az6"]);
  });

  it("makes an offering per zone and capacity type, unavailable where there is no price", () => {
    const it = convert(m5large);
    const spotB = it.offerings.find((o) => o.zone === "us-east-1b" && o.capacityType === "spot");
    assert.equal(spotB?.available, false);
    const spotA = it.offerings.find((o) => o.zone === "us-east-1a" && o.capacityType === "spot");
    assert.deepEqual(spotA, { zone: "us-east-1a", capacityType: "spot", price: 0.03, available: true });
  });

  it("applies kubelet maxPods, podsPerCore, reservations and hard eviction", () => {
    const it = convert(m5large, { kubelet: { maxPods: 20, podsPerCore: 4, kubeReserved: { cpu: "200m" }, systemReserved: { memory: "1Gi", pid: "100" }, evictionHard: { "memory.available": "5%" } } });
    assert.equal(it.capacity.pods, 8);
    assert.equal(it.overhead.kubeReserved.cpu, 200);
    assert.deepEqual(it.overhead.systemReserved, { memory: Gi });
    assert.equal(it.overhead.evictionThreshold.memory, Math.ceil(((8192 - 615) * Mi) / 100 * 5));
  });

  it("takes ephemeral storage from the root volume, the family default, or RAID0 instance store", () => {
    assert.equal(convert(m5large, { blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: "100Gi" } }] }).capacity["ephemeral-storage"], 100 * Gi);
    assert.equal(convert(m5large, { amiFamily: "Bottlerocket" }).capacity["ephemeral-storage"], 20 * Gi);
    assert.equal(convert(m5large, { amiFamily: "Windows2022" }).capacity["ephemeral-storage"], 50 * Gi);
    const m5d = { ...m5large, InstanceType: "m5d.large", InstanceStorageInfo: { TotalSizeInGB: 75, NvmeSupport: "required" } };
    assert.equal(convert(m5d, { instanceStorePolicy: "RAID0" }).capacity["ephemeral-storage"], 75e9);
    assert.deepEqual(req(convert(m5d), "karpenter.k8s.aws/instance-local-nvme")?.values, ["75"]);
  });

  it("counts GPUs, Neuron devices and EFA interfaces as extended resources", () => {
    const p4d = convert({
      ...m5large,
      InstanceType: "p4d.24xlarge",
      VCpuInfo: { DefaultVCpus: 96 },
      GpuInfo: { Gpus: [{ Name: "A100", Manufacturer: "NVIDIA", Count: 8, MemoryInfo: { SizeInMiB: 40960 } }] },
      NetworkInfo: { ...m5large.NetworkInfo, EfaInfo: { MaximumEfaInterfaces: 4 } },
    });
    assert.equal(p4d.capacity["nvidia.com/gpu"], 8);
    assert.equal(p4d.capacity["vpc.amazonaws.com/efa"], 4);
    assert.deepEqual(req(p4d, "karpenter.k8s.aws/instance-gpu-name")?.values, ["a100"]);
    const inf2 = convert({ ...m5large, InstanceType: "inf2.xlarge", NeuronInfo: { NeuronDevices: [{ Name: "Inferentia2", Count: 1, CoreInfo: { Count: 2 } }] } });
    assert.equal(inf2.capacity["aws.amazon.com/neuron"], 1);
    assert.equal(inf2.capacity["aws.amazon.com/neuroncore"], 2);
    assert.deepEqual(req(inf2, "karpenter.k8s.aws/instance-accelerator-manufacturer")?.values, ["aws"]);
    const mi = convert({ ...m5large, InstanceType: "g4ad.xlarge", GpuInfo: { Gpus: [{ Name: "Radeon Pro V520", Manufacturer: "AMD", Count: 1 }] } });
    assert.equal(mi.capacity["amd.com/gpu"], 1);
    assert.deepEqual(req(mi, "karpenter.k8s.aws/instance-gpu-name")?.values, ["radeon-pro-v520"]);
  });

  it("subtracts Graviton's CMA memory and leaves arm64 out of Windows", () => {
    const arm = { ...m5large, InstanceType: "m6g.large", ProcessorInfo: { SupportedArchitectures: ["arm64"], Manufacturer: "AWS" } };
    assert.equal(convert(arm).capacity.memory, (8128 - Math.ceil(8128 * 0.075)) * Mi);
    assert.equal(toInstanceType(arm, ["us-east-1a"], { ...base, amiFamily: "Windows2022" }, prices), undefined);
    const win = convert(m5large, { amiFamily: "Windows2022" });
    assert.deepEqual(req(win, "kubernetes.io/os")?.values, ["windows"]);
    assert.deepEqual(req(win, "node.kubernetes.io/windows-build")?.values, ["10.0.20348"]);
    assert.equal(win.capacity.pods, 110);
  });

  it("drops types offered in none of the node class's zones", () => {
    assert.equal(toInstanceType(m5large, ["us-east-1f"], base, prices), undefined);
  });

  it("computes kube-reserved CPU by the EKS ranges", () => {
    assert.equal(kubeReservedCPU(1000), 60);
    assert.equal(kubeReservedCPU(4000), 80);
    assert.equal(kubeReservedCPU(96000), 80 + 230);
  });
});
