// The part of EC2's DescribeInstanceTypes answer that tenon reads. Field names are EC2's, so the
// SDK's InstanceTypeInfo fits this shape as it is, and the bundled catalog stores exactly this.
export interface InstanceTypeShape {
  InstanceType?: string | undefined;
  BareMetal?: boolean | undefined;
  Hypervisor?: string | undefined;
  /** "supported" or "unsupported": the nitro-sandbox label. */
  NitroEnclavesSupport?: string | undefined;
  SupportedUsageClasses?: string[] | undefined;
  VCpuInfo?: { DefaultVCpus?: number | undefined } | undefined;
  MemoryInfo?: { SizeInMiB?: number | undefined } | undefined;
  ProcessorInfo?:
    | { SupportedArchitectures?: string[] | undefined; Manufacturer?: string | undefined; SustainedClockSpeedInGhz?: number | undefined }
    | undefined;
  NetworkInfo?:
    | {
        MaximumNetworkInterfaces?: number | undefined;
        Ipv4AddressesPerInterface?: number | undefined;
        DefaultNetworkCardIndex?: number | undefined;
        EncryptionInTransitSupported?: boolean | undefined;
        EfaInfo?: { MaximumEfaInterfaces?: number | undefined } | undefined;
        NetworkCards?: { NetworkCardIndex?: number | undefined; MaximumNetworkInterfaces?: number | undefined; BaselineBandwidthInGbps?: number | undefined }[] | undefined;
      }
    | undefined;
  GpuInfo?: { Gpus?: { Name?: string | undefined; Manufacturer?: string | undefined; Count?: number | undefined; MemoryInfo?: { SizeInMiB?: number | undefined } | undefined }[] | undefined } | undefined;
  NeuronInfo?: { NeuronDevices?: { Name?: string | undefined; Count?: number | undefined; CoreInfo?: { Count?: number | undefined } | undefined }[] | undefined } | undefined;
  InferenceAcceleratorInfo?: { Accelerators?: { Name?: string | undefined; Manufacturer?: string | undefined; Count?: number | undefined }[] | undefined } | undefined;
  InstanceStorageInfo?: { TotalSizeInGB?: number | undefined; NvmeSupport?: string | undefined } | undefined;
  EbsInfo?: { EbsOptimizedSupport?: string | undefined; EbsOptimizedInfo?: { MaximumBandwidthInMbps?: number | undefined } | undefined } | undefined;
}

/** Kubernetes architecture names for EC2's. Types with neither are not launchable as nodes. */
export const kubeArchitectures: Record<string, string> = { x86_64: "amd64", arm64: "arm64" };

export function architectureOf(info: InstanceTypeShape): string | undefined {
  for (const a of info.ProcessorInfo?.SupportedArchitectures ?? []) {
    const k = kubeArchitectures[a];
    if (k) return k;
  }
  return undefined;
}

/** Strips an instance type to the fields in InstanceTypeShape (for the bundled catalog). */
export function compactShape(info: InstanceTypeShape): InstanceTypeShape {
  const net = info.NetworkInfo;
  return prune({
    InstanceType: info.InstanceType,
    BareMetal: info.BareMetal,
    Hypervisor: info.Hypervisor,
    SupportedUsageClasses: info.SupportedUsageClasses,
    VCpuInfo: { DefaultVCpus: info.VCpuInfo?.DefaultVCpus },
    MemoryInfo: { SizeInMiB: info.MemoryInfo?.SizeInMiB },
    ProcessorInfo: info.ProcessorInfo && {
      SupportedArchitectures: info.ProcessorInfo.SupportedArchitectures,
      Manufacturer: info.ProcessorInfo.Manufacturer,
      SustainedClockSpeedInGhz: info.ProcessorInfo.SustainedClockSpeedInGhz,
    },
    NetworkInfo: net && {
      MaximumNetworkInterfaces: net.MaximumNetworkInterfaces,
      Ipv4AddressesPerInterface: net.Ipv4AddressesPerInterface,
      DefaultNetworkCardIndex: net.DefaultNetworkCardIndex,
      EncryptionInTransitSupported: net.EncryptionInTransitSupported,
      EfaInfo: net.EfaInfo && { MaximumEfaInterfaces: net.EfaInfo.MaximumEfaInterfaces },
      NetworkCards: net.NetworkCards?.map((c) => ({
        NetworkCardIndex: c.NetworkCardIndex,
        MaximumNetworkInterfaces: c.MaximumNetworkInterfaces,
        BaselineBandwidthInGbps: c.BaselineBandwidthInGbps,
      })),
    },
    GpuInfo: info.GpuInfo && {
      Gpus: info.GpuInfo.Gpus?.map((g) => ({ Name: g.Name, Manufacturer: g.Manufacturer, Count: g.Count, MemoryInfo: { SizeInMiB: g.MemoryInfo?.SizeInMiB } })),
    },
    NeuronInfo: info.NeuronInfo && {
      NeuronDevices: info.NeuronInfo.NeuronDevices?.map((d) => ({ Name: d.Name, Count: d.Count, CoreInfo: { Count: d.CoreInfo?.Count } })),
    },
    InferenceAcceleratorInfo: info.InferenceAcceleratorInfo && {
      Accelerators: info.InferenceAcceleratorInfo.Accelerators?.map((a) => ({ Name: a.Name, Manufacturer: a.Manufacturer, Count: a.Count })),
    },
    InstanceStorageInfo: info.InstanceStorageInfo && {
      TotalSizeInGB: info.InstanceStorageInfo.TotalSizeInGB,
      NvmeSupport: info.InstanceStorageInfo.NvmeSupport,
    },
    EbsInfo: info.EbsInfo && {
      EbsOptimizedSupport: info.EbsInfo.EbsOptimizedSupport,
      EbsOptimizedInfo: info.EbsInfo.EbsOptimizedInfo && { MaximumBandwidthInMbps: info.EbsInfo.EbsOptimizedInfo.MaximumBandwidthInMbps },
    },
  }) as InstanceTypeShape;
}

/** Drops undefined fields and emptied objects so the catalog stays small. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = prune(x);
    if (p === undefined) continue;
    if (typeof p === "object" && p !== null && !Array.isArray(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out;
}
