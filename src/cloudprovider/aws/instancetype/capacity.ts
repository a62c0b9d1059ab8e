// Node capacity and the overhead the node keeps for itself, computed the way EKS AMIs configure the
// kubelet and the way Karpenter predicts it, so a launched node's allocatable matches the prediction.
import type { AMIFamily, BlockDeviceMapping, KubeletConfiguration } from "../../../apis/ec2nodeclass.js";
import type { InstanceTypeOverhead, ResourceList } from "../../types.js";
import { familyTraits, defaultEBS, isWindows } from "../amifamily.js";
import { branchInterfaces } from "./branchinterfaces.js";
import { Gi, Mi, parseQuantity } from "../../../core/quantity.js";
import { type InstanceTypeShape, architectureOf } from "./shape.js";

export const ResourceNvidiaGPU = "nvidia.com/gpu";
export const ResourceAMDGPU = "amd.com/gpu";
export const ResourceAWSNeuron = "aws.amazon.com/neuron";
export const ResourceAWSNeuronCore = "aws.amazon.com/neuroncore";
export const ResourceHabanaGaudi = "habana.ai/gaudi";
export const ResourceEFA = "vpc.amazonaws.com/efa";
/** Branch ENIs for security groups for pods (the VPC resource controller hands them out). */
export const ResourcePodENI = "vpc.amazonaws.com/pod-eni";
export const ResourcePrivateIPv4Address = "vpc.amazonaws.com/PrivateIPv4Address";

/** What shapes a node beyond its instance type: the node class's kubelet, volumes and AMI family. */
export interface NodeShapeOptions {
  amiFamily: AMIFamily;
  kubelet?: KubeletConfiguration | undefined;
  blockDeviceMappings?: BlockDeviceMapping[] | undefined;
  instanceStorePolicy?: "RAID0" | undefined;
  /** Share of memory the hypervisor keeps (VM_MEMORY_OVERHEAD_PERCENT, default 0.075). */
  vmMemoryOverheadPercent: number;
  /** ENIs kept out of the VPC CNI's reach (RESERVED_ENIS, default 0). */
  reservedENIs: number;
}

export const DEFAULT_VM_MEMORY_OVERHEAD_PERCENT = 0.075;

export const vcpus = (info: InstanceTypeShape): number => info.VCpuInfo?.DefaultVCpus ?? 0;

/** Memory in bytes less the VM overhead, rounded to whole MiB up, like Karpenter. */
export function memoryBytes(info: InstanceTypeShape, overheadPercent: number): number {
  let mib = info.MemoryInfo?.SizeInMiB ?? 0;
  // Graviton kernels reserve 64 MiB of CMA memory that the OS never sees.
  if (info.ProcessorInfo?.SupportedArchitectures?.[0] === "arm64") mib -= 64;
  const bytes = mib * Mi;
  return bytes - Math.ceil((bytes * overheadPercent) / Mi) * Mi;
}

/** Ephemeral storage: instance store under RAID0, else the root volume's size, else the family default. */
export function ephemeralStorageBytes(info: InstanceTypeShape, o: NodeShapeOptions): number {
  if (o.instanceStorePolicy === "RAID0" && info.InstanceStorageInfo?.TotalSizeInGB !== undefined) {
    return info.InstanceStorageInfo.TotalSizeInGB * 1e9;
  }
  const traits = familyTraits(o.amiFamily);
  const bdms = o.blockDeviceMappings ?? [];
  if (bdms.length > 0) {
    const root = bdms.find((b) => b.rootVolume === true);
    if (root?.ebs?.volumeSize) return parseQuantity(root.ebs.volumeSize, "storage");
    if (o.amiFamily === "Custom") {
      // A custom AMI's layout is unknown: the last mapping is the best guess, as in Karpenter.
      const last = bdms[bdms.length - 1]?.ebs?.volumeSize;
      return parseQuantity(last ?? defaultEBS.volumeSize, "storage");
    }
    const eph = bdms.find((b) => b.deviceName === traits.ephemeralBlockDevice);
    if (eph?.ebs?.volumeSize) return parseQuantity(eph.ebs.volumeSize, "storage");
  }
  const def = traits.defaultBlockDeviceMappings.find((b) => b.deviceName === traits.ephemeralBlockDevice);
  return parseQuantity(def?.ebs?.volumeSize ?? defaultEBS.volumeSize, "storage");
}

/** The EKS max-pods formula: ENIs × (IPv4 addresses per ENI − 1) + 2, on the default network card. */
export function eniLimitedPods(info: InstanceTypeShape, reservedENIs: number): number {
  const net = info.NetworkInfo;
  const cardIndex = net?.DefaultNetworkCardIndex ?? 0;
  const card = net?.NetworkCards?.find((c) => (c.NetworkCardIndex ?? 0) === cardIndex);
  const enis = card?.MaximumNetworkInterfaces ?? net?.MaximumNetworkInterfaces ?? 0;
  const usable = Math.max(enis - reservedENIs, 0);
  if (usable === 0) return 0;
  return usable * ((net?.Ipv4AddressesPerInterface ?? 1) - 1) + 2;
}

export function pods(info: InstanceTypeShape, o: NodeShapeOptions): number {
  const f = familyTraits(o.amiFamily).features;
  let count: number;
  if (o.kubelet?.maxPods !== undefined) count = o.kubelet.maxPods;
  else if (f.supportsENILimitedPodDensity) count = eniLimitedPods(info, o.reservedENIs);
  else count = 110;
  const ppc = o.kubelet?.podsPerCore ?? 0;
  if (ppc > 0 && f.podsPerCoreEnabled) count = Math.min(ppc * vcpus(info), count);
  return count;
}

const sumGPUs = (info: InstanceTypeShape, manufacturer: string): number =>
  (info.GpuInfo?.Gpus ?? []).filter((g) => g.Manufacturer === manufacturer).reduce((n, g) => n + (g.Count ?? 0), 0);

/** Devices the node advertises through device plugins. Zero counts are left out. */
export function extendedResources(info: InstanceTypeShape): ResourceList {
  const neuronDevices = (info.NeuronInfo?.NeuronDevices ?? []).reduce((n, d) => n + (d.Count ?? 0), 0);
  const first = info.NeuronInfo?.NeuronDevices?.[0];
  const all: [string, number][] = [
    [ResourceNvidiaGPU, sumGPUs(info, "NVIDIA")],
    [ResourceAMDGPU, sumGPUs(info, "AMD")],
    [ResourceHabanaGaudi, sumGPUs(info, "Habana")],
    [ResourceAWSNeuron, neuronDevices],
    [ResourceAWSNeuronCore, first ? (first.Count ?? 0) * (first.CoreInfo?.Count ?? 0) : 0],
    [ResourceEFA, info.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces ?? 0],
    [ResourcePodENI, branchInterfaces[info.InstanceType ?? ""] ?? 0],
  ];
  return Object.fromEntries(all.filter(([, n]) => n > 0));
}

export function computeCapacity(info: InstanceTypeShape, o: NodeShapeOptions): ResourceList {
  const capacity: ResourceList = {
    cpu: vcpus(info) * 1000,
    memory: memoryBytes(info, o.vmMemoryOverheadPercent),
    "ephemeral-storage": ephemeralStorageBytes(info, o),
    pods: pods(info, o),
    ...extendedResources(info),
  };
  // Windows pods get IPs from the VPC resource controller, one per secondary address of the primary ENI.
  if (isWindows(o.amiFamily) && architectureOf(info) === "amd64") {
    capacity[ResourcePrivateIPv4Address] = Math.max((info.NetworkInfo?.Ipv4AddressesPerInterface ?? 1) - 1, 0);
  }
  return capacity;
}

/** kube-reserved CPU as EKS AMIs compute it: 6% of the first core, 1% of the second, 0.5% of cores 3–4, 0.25% beyond. */
export function kubeReservedCPU(millicores: number): number {
  const ranges: [number, number, number][] = [
    [0, 1000, 0.06],
    [1000, 2000, 0.01],
    [2000, 4000, 0.005],
    [4000, 2 ** 31, 0.0025],
  ];
  let total = 0;
  for (const [start, end, pct] of ranges) {
    if (millicores < start) continue;
    total += Math.trunc((Math.min(millicores, end) - start) * pct);
  }
  return total;
}

/** Only these overheads subtract from a schedulable resource ("pid" has no ResourceList counterpart). */
const reservableResources = new Set(["cpu", "memory", "ephemeral-storage"]);

function reservedMap(m: Record<string, string> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(m ?? {})) if (reservableResources.has(k)) out[k] = parseQuantity(v, k);
  return out;
}

/** A hard eviction threshold: a percentage of the capacity or an absolute quantity. */
export function evictionSignal(capacity: number, value: string): number {
  if (value.endsWith("%")) {
    let p = Number(value.slice(0, -1));
    // 100% disables the threshold, per the kubelet's documentation.
    if (p === 100) p = 0;
    return Math.ceil((capacity / 100) * p);
  }
  return parseQuantity(value, "memory");
}

export function computeOverhead(info: InstanceTypeShape, o: NodeShapeOptions): InstanceTypeOverhead {
  const f = familyTraits(o.amiFamily).features;
  // EKS AMIs size kube-reserved memory from the ENI-limited pod count (without reserved ENIs).
  const podsForMemory = f.usesENILimitedMemoryOverhead ? eniLimitedPods(info, 0) : pods(info, o);
  const kubeReserved: ResourceList = {
    cpu: kubeReservedCPU(vcpus(info) * 1000),
    memory: (11 * podsForMemory + 255) * Mi,
    "ephemeral-storage": 1 * Gi,
    ...reservedMap(o.kubelet?.kubeReserved),
  };
  const memory = memoryBytes(info, o.vmMemoryOverheadPercent);
  const storage = ephemeralStorageBytes(info, o);
  const evictionThreshold: ResourceList = {
    memory: 100 * Mi,
    "ephemeral-storage": Math.ceil((storage / 100) * 10),
  };
  // Only evictionHard reduces allocatable; evictionSoft is a warning threshold.
  const hard = o.kubelet?.evictionHard;
  if (hard?.["memory.available"] !== undefined) evictionThreshold.memory = evictionSignal(memory, hard["memory.available"]);
  if (hard?.["nodefs.available"] !== undefined) evictionThreshold["ephemeral-storage"] = evictionSignal(storage, hard["nodefs.available"]);
  return { kubeReserved, systemReserved: reservedMap(o.kubelet?.systemReserved), evictionThreshold };
}

/** capacity − kube-reserved − system-reserved − eviction threshold, never below zero. */
export function allocatable(capacity: ResourceList, overhead: InstanceTypeOverhead): ResourceList {
  const out: ResourceList = { ...capacity };
  for (const part of [overhead.kubeReserved, overhead.systemReserved, overhead.evictionThreshold]) {
    for (const [k, v] of Object.entries(part)) if (k in out) out[k] = Math.max(out[k]! - v, 0);
  }
  return out;
}
