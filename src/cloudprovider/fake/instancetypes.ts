// Instance types for tests, made here as plain data behind the CloudProvider seam: no AWS code
// involved, so controller tests exercise the controllers, not the AWS provider's conversions.
// Names and shapes echo common EC2 types so that test output reads naturally.
import { ArchLabel, CapacityTypeLabel, InstanceTypeLabel, OSLabel, ZoneLabel } from "../../apis/labels.js";
import { Gi, Mi } from "../../core/quantity.js";
import type { InstanceType, Offering, RequirementSpec } from "../types.js";

export const FAKE_REGION = "us-east-1";
export const FAKE_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

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
  /** Max pods (default: 110). */
  pods?: number;
  nvidiaGPUs?: number;
}

/** A handful of common shapes: small and large, amd64 and arm64, general, compute, memory and GPU. */
const defaults: FakeTypeSpec[] = [
  { name: "t3.medium", cpu: 2, memoryMiB: 4096, pods: 17, price: 0.0416 },
  { name: "m5.large", cpu: 2, memoryMiB: 8192, pods: 29, price: 0.096 },
  { name: "m5.xlarge", cpu: 4, memoryMiB: 16384, pods: 58, price: 0.192 },
  { name: "m5.2xlarge", cpu: 8, memoryMiB: 32768, pods: 58, price: 0.384 },
  { name: "c5.large", cpu: 2, memoryMiB: 4096, pods: 29, price: 0.085 },
  { name: "c5.xlarge", cpu: 4, memoryMiB: 8192, pods: 58, price: 0.17 },
  { name: "r5.large", cpu: 2, memoryMiB: 16384, pods: 29, price: 0.126 },
  { name: "m6g.large", cpu: 2, memoryMiB: 8192, pods: 29, price: 0.077, arch: "arm64" },
  { name: "m6g.xlarge", cpu: 4, memoryMiB: 16384, pods: 58, price: 0.154, arch: "arm64" },
  { name: "g4dn.xlarge", cpu: 4, memoryMiB: 16384, pods: 29, price: 0.526, nvidiaGPUs: 1 },
];

export const DEFAULT_FAKE_TYPES = defaults.map((d) => d.name);

/** The default fake types (or those of them named), in every fake zone. */
export function defaultFakeInstanceTypes(names: readonly string[] = DEFAULT_FAKE_TYPES, zones: readonly string[] = FAKE_ZONES): InstanceType[] {
  const wanted = new Set(names);
  return defaults.filter((d) => wanted.has(d.name)).map((d) => fakeInstanceType({ ...d, zones: [...zones] }));
}

/** A made-up type (names like "fake.2xlarge" are fine). */
export function fakeInstanceType(s: FakeTypeSpec): InstanceType {
  const zones = s.zones ?? FAKE_ZONES;
  if (zones.length === 0) throw new Error(`fake instance type "${s.name}" has no offering: give it at least one zone`);
  const price = s.price ?? s.cpu * 0.05;
  const capacityTypes = s.capacityTypes ?? ["on-demand", "spot"];
  const offerings: Offering[] = [];
  for (const zone of zones) {
    for (const capacityType of capacityTypes) offerings.push({ zone, capacityType, price: capacityType === "spot" ? (s.spotPrice ?? price * 0.4) : price, available: true });
  }
  const requirements: RequirementSpec[] = [
    { key: InstanceTypeLabel, operator: "In", values: [s.name] },
    { key: ArchLabel, operator: "In", values: [s.arch === "arm64" ? "arm64" : "amd64"] },
    { key: OSLabel, operator: "In", values: ["linux"] },
    { key: ZoneLabel, operator: "In", values: [...zones] },
    { key: CapacityTypeLabel, operator: "In", values: [...capacityTypes] },
  ];
  return {
    name: s.name,
    requirements,
    offerings,
    capacity: {
      cpu: s.cpu * 1000,
      memory: s.memoryMiB * Mi,
      pods: s.pods ?? 110,
      "ephemeral-storage": 20 * Gi,
      ...(s.nvidiaGPUs ? { "nvidia.com/gpu": s.nvidiaGPUs } : {}),
    },
    // Roughly what a kubelet keeps for itself; enough that allocatable < capacity, as on real nodes.
    overhead: { kubeReserved: { cpu: 80, memory: 256 * Mi }, systemReserved: {}, evictionThreshold: { memory: 100 * Mi } },
  };
}
