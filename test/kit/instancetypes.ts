// Instance types for tests. `instanceType` and `catalog` are shaped by hand like the AWS
// provider's (zones zone-a…c, labels as requirements, no overhead unless told); `standardTypes` are
// made-up sizes run through the AWS provider's own conversion (zones us-east-1a…c, real overhead),
// so their allocatable is what the controller would see.
import { ArchLabel, CapacityTypeLabel, InstanceCategoryLabel, InstanceCPULabel, InstanceFamilyLabel, InstanceGenerationLabel, InstanceMemoryLabel, InstanceSizeLabel, InstanceTypeLabel, OSLabel, ZoneLabel } from "../../src/apis/labels.js";
import type { CapacityType } from "../../src/apis/labels.js";
import { fakeInstanceType } from "../../src/cloudprovider/fake/instancetypes.js";
import type { InstanceType, Offering, RequirementSpec, ResourceList } from "../../src/cloudprovider/types.js";
import { Gi } from "./builders.js";

export const Zones = ["zone-a", "zone-b", "zone-c"];

export interface TypeOptions {
  cpu: number;
  memGi: number;
  pods?: number;
  price?: number;
  /** Per-offering prices override; keys "zone/capacityType". */
  prices?: Record<string, number>;
  zones?: string[];
  capacityTypes?: CapacityType[];
  /** "zone/capacityType" offerings that are unavailable. */
  unavailable?: string[];
  arch?: string;
  family?: string;
  extra?: ResourceList;
  labels?: Record<string, string>;
  kubeReserved?: ResourceList;
  reservation?: { id: string; zone: string; capacity: number; price: number };
}

/** An instance type shaped like the AWS provider's: offerings per zone × capacity type, labels as requirements. */
export function instanceType(name: string, o: TypeOptions): InstanceType {
  const zones = o.zones ?? Zones;
  const cts = o.capacityTypes ?? ["on-demand"];
  const base = o.price ?? o.cpu * 0.04 + o.memGi * 0.005;
  const offerings: Offering[] = [];
  for (const zone of zones) {
    for (const ct of cts) {
      const key = `${zone}/${ct}`;
      const price = o.prices?.[key] ?? (ct === "spot" ? base * 0.4 : base);
      offerings.push({ zone, capacityType: ct, price, available: !(o.unavailable ?? []).includes(key) });
    }
  }
  if (o.reservation) {
    offerings.push({ zone: o.reservation.zone, capacityType: "reserved", price: o.reservation.price, available: true, reservationID: o.reservation.id, reservationCapacity: o.reservation.capacity });
  }
  const family = o.family ?? name.split(".")[0]!;
  const reqs: RequirementSpec[] = [
    { key: InstanceTypeLabel, operator: "In", values: [name] },
    { key: ArchLabel, operator: "In", values: [o.arch ?? "amd64"] },
    { key: OSLabel, operator: "In", values: ["linux"] },
    { key: ZoneLabel, operator: "In", values: [...new Set(offerings.map((x) => x.zone))] },
    { key: CapacityTypeLabel, operator: "In", values: [...new Set(offerings.map((x) => x.capacityType))] },
    { key: InstanceFamilyLabel, operator: "In", values: [family] },
    { key: InstanceCategoryLabel, operator: "In", values: [family[0]!] },
    { key: InstanceGenerationLabel, operator: "In", values: [family.replace(/[^0-9]/g, "") || "1"] },
    { key: InstanceSizeLabel, operator: "In", values: [name.split(".")[1] ?? "x"] },
    { key: InstanceCPULabel, operator: "In", values: [String(o.cpu)] },
    { key: InstanceMemoryLabel, operator: "In", values: [String(o.memGi * 1024)] },
  ];
  for (const [k, v] of Object.entries(o.labels ?? {})) reqs.push({ key: k, operator: "In", values: [v] });
  return {
    name,
    requirements: reqs,
    offerings,
    capacity: { cpu: o.cpu * 1000, memory: o.memGi * Gi, pods: o.pods ?? 110, "ephemeral-storage": 100 * Gi, ...(o.extra ?? {}) },
    overhead: { kubeReserved: o.kubeReserved ?? {}, systemReserved: {}, evictionThreshold: {} },
  };
}

/** A small catalog: c (1:2), m (1:4), r (1:8) families, sizes 2–16 cpu, prices roughly AWS-like. */
export function catalog(o: Partial<TypeOptions> = {}): InstanceType[] {
  const out: InstanceType[] = [];
  const fams: [string, number, number][] = [
    ["c5", 2, 0.0425],
    ["m5", 4, 0.048],
    ["r5", 8, 0.063],
  ];
  for (const [fam, ratio, perCpu] of fams) {
    for (const [size, cpu] of [
      ["large", 2],
      ["xlarge", 4],
      ["2xlarge", 8],
      ["4xlarge", 16],
    ] as const) {
      out.push(instanceType(`${fam}.${size}`, { cpu, memGi: cpu * ratio, price: cpu * perCpu, ...o }));
    }
  }
  return out;
}

/** Made-up types converted like real ones: c.1x … c.16x (cpu = n, 2n GiB, $0.05 n on demand, spot 40%). */
export function standardTypes(sizes: readonly number[] = [1, 2, 4, 8, 16]): InstanceType[] {
  return sizes.map((n) => fakeInstanceType({ name: `c.${n}x`, cpu: n, memoryMiB: n * 2048, price: 0.05 * n }));
}

/** standardTypes() by name, for scenarios: c1 ($0.05 on demand, $0.02 spot) … c16 ($0.80, $0.32). */
export function standardSizes(): { c1: InstanceType; c2: InstanceType; c4: InstanceType; c8: InstanceType; c16: InstanceType } {
  const [c1, c2, c4, c8, c16] = standardTypes() as [InstanceType, InstanceType, InstanceType, InstanceType, InstanceType];
  return { c1, c2, c4, c8, c16 };
}
