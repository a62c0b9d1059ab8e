// Instance types for tests: real EC2 shapes from the bundled catalog, or made-up ones run through
// the same conversion as the AWS provider, so fakes and reality cannot drift apart.
import type { InstanceType } from "../types.js";
import { loadCatalogInstanceTypes } from "../aws/catalog.js";
import { DEFAULT_VM_MEMORY_OVERHEAD_PERCENT } from "../aws/instancetype/capacity.js";
import { toInstanceType } from "../aws/instancetype/instancetypes.js";
import type { InstanceTypeShape } from "../aws/instancetype/shape.js";

export const FAKE_REGION = "us-east-1";
export const FAKE_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

/** A handful of common types: small and large, amd64 and arm64, general, compute and memory. */
export const DEFAULT_FAKE_TYPES = ["t3.medium", "m5.large", "m5.xlarge", "m5.2xlarge", "c5.large", "c5.xlarge", "r5.large", "m6g.large", "m6g.xlarge", "g4dn.xlarge"];

export function catalogInstanceTypes(names: readonly string[] = DEFAULT_FAKE_TYPES, zones: readonly string[] = FAKE_ZONES): InstanceType[] {
  const wanted = new Set(names);
  return loadCatalogInstanceTypes(FAKE_REGION, { zones: [...zones] }).filter((it) => wanted.has(it.name));
}

export interface FakeTypeSpec {
  name: string;
  cpu: number;
  memoryMiB: number;
  arch?: "x86_64" | "arm64";
  /** On-demand price; spot is 40% of it unless given. */
  price?: number;
  spotPrice?: number;
  zones?: string[];
  capacityTypes?: ("spot" | "on-demand")[];
  enis?: number;
  ipsPerENI?: number;
  nvidiaGPUs?: number;
}

/** A made-up type (names like "fake.2xlarge" are fine) converted like a real one. */
export function fakeInstanceType(s: FakeTypeSpec): InstanceType {
  const info: InstanceTypeShape = {
    InstanceType: s.name,
    Hypervisor: "nitro",
    SupportedUsageClasses: s.capacityTypes ?? ["on-demand", "spot"],
    VCpuInfo: { DefaultVCpus: s.cpu },
    MemoryInfo: { SizeInMiB: s.memoryMiB },
    ProcessorInfo: { SupportedArchitectures: [s.arch ?? "x86_64"], Manufacturer: s.arch === "arm64" ? "AWS" : "Intel" },
    NetworkInfo: { MaximumNetworkInterfaces: s.enis ?? 4, Ipv4AddressesPerInterface: s.ipsPerENI ?? 15, DefaultNetworkCardIndex: 0, NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: s.enis ?? 4 }] },
    ...(s.nvidiaGPUs ? { GpuInfo: { Gpus: [{ Name: "T4", Manufacturer: "NVIDIA", Count: s.nvidiaGPUs, MemoryInfo: { SizeInMiB: 16384 } }] } } : {}),
  };
  const zones = s.zones ?? FAKE_ZONES;
  const price = s.price ?? s.cpu * 0.05;
  const it = toInstanceType(
    info,
    zones,
    { region: FAKE_REGION, zones: zones.map((name) => ({ name })), amiFamily: "AL2023", vmMemoryOverheadPercent: DEFAULT_VM_MEMORY_OVERHEAD_PERCENT, reservedENIs: 0 },
    { prices: { onDemand: () => price, spot: () => s.spotPrice ?? price * 0.4 }, isUnavailable: () => false },
  );
  if (!it) throw new Error(`fake instance type "${s.name}" has no offering: give it at least one zone`);
  return it;
}
