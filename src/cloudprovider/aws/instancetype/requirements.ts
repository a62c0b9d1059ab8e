// The labels a node of an instance type carries, as requirements. Labels a type lacks are stated
// as DoesNotExist (as Karpenter does), so that a NodePool asking for, say, instance-gpu-count
// Exists rules the type out instead of matching it by omission.
import type { AMIFamily } from "../../../apis/ec2nodeclass.js";
import * as L from "../../../apis/labels.js";
import type { Offering, RequirementSpec } from "../../types.js";
import { familyTraits, isWindows } from "../amifamily.js";
import { type InstanceTypeShape, architectureOf } from "./shape.js";

// category, "-<n>tb" memory variants (u-6tb1), generation: c5.large → c, 5; u-6tb1.metal → u, 1.
const instanceTypeScheme = /(^[a-z]+)(-[0-9]+tb)?([0-9]+).*\./;

const kebab = (s: string): string => s.replaceAll(" ", "-").toLowerCase();
const parts0 = (name: string): string => name.split(".")[0] ?? "";

export interface ZoneInfo {
  name: string;
  id?: string | undefined;
}

/** os values for the family: Windows families only run on amd64; other families are linux. */
export function operatingSystems(info: InstanceTypeShape, family: AMIFamily): string[] {
  if (isWindows(family)) return architectureOf(info) === "amd64" ? ["windows"] : [];
  return ["linux"];
}

/** Baseline network bandwidth in Mbit/s over all network cards, as Karpenter's bandwidth table states it. */
function networkBandwidthMbps(info: InstanceTypeShape): number | undefined {
  const cards = info.NetworkInfo?.NetworkCards ?? [];
  const gbps = cards.reduce((n, c) => n + (c.BaselineBandwidthInGbps ?? 0), 0);
  return gbps > 0 ? Math.round(gbps * 1000) : undefined;
}

/** Every label of the instance type itself (not of an offering), value or undefined for absent. */
export function instanceTypeLabels(info: InstanceTypeShape): Record<string, string | undefined> {
  const name = info.InstanceType ?? "";
  const labels: Record<string, string | undefined> = {};
  for (const k of L.AWSInstanceLabels) labels[k] = undefined;
  const scheme = instanceTypeScheme.exec(name);
  if (scheme) {
    labels[L.InstanceCategoryLabel] = scheme[1];
    labels[L.InstanceGenerationLabel] = scheme[3];
  }
  const parts = name.split(".");
  if (parts.length === 2) {
    labels[L.InstanceFamilyLabel] = parts[0];
    labels[L.InstanceSizeLabel] = parts[1];
  }
  labels[L.InstanceCPULabel] = String(info.VCpuInfo?.DefaultVCpus ?? 0);
  labels[L.InstanceMemoryLabel] = String(info.MemoryInfo?.SizeInMiB ?? 0);
  if (info.ProcessorInfo?.Manufacturer) labels[L.InstanceCPUManufacturerLabel] = kebab(info.ProcessorInfo.Manufacturer);
  if (info.ProcessorInfo?.SustainedClockSpeedInGhz !== undefined) {
    labels[L.InstanceCPUSustainedClockSpeedLabel] = String(Math.round(info.ProcessorInfo.SustainedClockSpeedInGhz * 1000));
  }
  labels[L.InstanceHypervisorLabel] = info.Hypervisor ?? "";
  labels[L.NitroSandboxLabel] = String(info.NitroEnclavesSupport === "supported");
  // Flex types (c7i-flex, m7i-flex) name themselves so.
  labels[L.InstanceCapabilityFlexLabel] = String(parts0(name).includes("-flex"));
  labels[L.InstanceEncryptionInTransitLabel] = String(info.NetworkInfo?.EncryptionInTransitSupported ?? false);
  const storage = info.InstanceStorageInfo;
  if (storage?.TotalSizeInGB !== undefined && storage.NvmeSupport !== "unsupported") labels[L.InstanceLocalNVMeLabel] = String(storage.TotalSizeInGB);
  const bw = networkBandwidthMbps(info);
  if (bw !== undefined) labels[L.InstanceNetworkBandwidthLabel] = String(bw);
  const ebs = info.EbsInfo;
  if (ebs?.EbsOptimizedSupport === "default" && ebs.EbsOptimizedInfo?.MaximumBandwidthInMbps !== undefined) {
    labels[L.InstanceEBSBandwidthLabel] = String(ebs.EbsOptimizedInfo.MaximumBandwidthInMbps);
  }
  // GPU labels only describe types with one kind of GPU; mixed types get none.
  const gpus = info.GpuInfo?.Gpus ?? [];
  if (gpus.length === 1) {
    const g = gpus[0]!;
    labels[L.InstanceGPUNameLabel] = kebab(g.Name ?? "");
    labels[L.InstanceGPUManufacturerLabel] = kebab(g.Manufacturer ?? "");
    labels[L.InstanceGPUCountLabel] = String(g.Count ?? 0);
    labels[L.InstanceGPUMemoryLabel] = String(g.MemoryInfo?.SizeInMiB ?? 0);
  }
  const neuron = info.NeuronInfo?.NeuronDevices ?? [];
  const accelerators = info.InferenceAcceleratorInfo?.Accelerators ?? [];
  if (neuron.length === 1) {
    const d = neuron[0]!;
    labels[L.InstanceAcceleratorNameLabel] = kebab(d.Name ?? "");
    labels[L.InstanceAcceleratorManufacturerLabel] = "aws";
    labels[L.InstanceAcceleratorCountLabel] = String(d.Count ?? 0);
  } else if (neuron.length === 0 && accelerators.length === 1) {
    const a = accelerators[0]!;
    labels[L.InstanceAcceleratorNameLabel] = kebab(a.Name ?? "");
    labels[L.InstanceAcceleratorManufacturerLabel] = kebab(a.Manufacturer ?? "");
    labels[L.InstanceAcceleratorCountLabel] = String(a.Count ?? 0);
  }
  return labels;
}

const uniq = (xs: string[]): string[] => [...new Set(xs)].sort();

/** The node class's resolved placement group, as the instance types see it. */
export interface PlacementGroupInfo {
  id: string;
  /** Partition numbers ("1" … "n") of a partition group; empty for cluster and spread groups. */
  partitions: string[];
}

export function computeRequirements(
  info: InstanceTypeShape,
  region: string,
  family: AMIFamily,
  offerings: Offering[],
  zones: ZoneInfo[],
  placementGroup?: PlacementGroupInfo,
): RequirementSpec[] {
  const available = offerings.filter((o) => o.available);
  const offeredZones = uniq(offerings.map((o) => o.zone));
  const reqs: RequirementSpec[] = [
    { key: L.InstanceTypeLabel, operator: "In", values: [info.InstanceType ?? ""] },
    { key: L.ArchLabel, operator: "In", values: [architectureOf(info) ?? ""] },
    { key: L.OSLabel, operator: "In", values: operatingSystems(info, family) },
    { key: L.ZoneLabel, operator: "In", values: offeredZones },
    { key: L.RegionLabel, operator: "In", values: [region] },
    { key: L.CapacityTypeLabel, operator: "In", values: uniq(offerings.map((o) => o.capacityType)) },
  ];
  const zoneIDs = uniq(zones.filter((z) => z.id && offeredZones.includes(z.name)).map((z) => z.id!));
  if (zoneIDs.length > 0) reqs.push({ key: L.ZoneIDLabel, operator: "In", values: zoneIDs });
  const build = familyTraits(family).windowsBuild;
  reqs.push(build ? { key: L.WindowsBuildLabel, operator: "In", values: [build] } : { key: L.WindowsBuildLabel, operator: "DoesNotExist" });
  const reserved = available.filter((o) => o.reservationID);
  const inOrAbsent = (key: string, values: string[]): RequirementSpec => (values.length > 0 ? { key, operator: "In", values: uniq(values) } : { key, operator: "DoesNotExist" });
  reqs.push(
    inOrAbsent(L.CapacityReservationIDLabel, reserved.map((o) => o.reservationID!)),
    inOrAbsent(L.CapacityReservationTypeLabel, reserved.map((o) => o.reservationType ?? "default")),
    inOrAbsent(L.CapacityReservationInterruptibleLabel, reserved.map((o) => String(o.reservationInterruptible ?? false))),
    // Every type can launch with either tenancy; the claim's requirement picks one at launch.
    { key: L.InstanceTenancyLabel, operator: "In", values: [...L.Tenancies] },
    // Without a placement group a pod asking for one matches no type; with one, every type launches
    // into it, and a partition group offers each of its partitions (Karpenter expands offerings per
    // partition so topology spread can use the partition key).
    inOrAbsent(L.PlacementGroupIDLabel, placementGroup ? [placementGroup.id] : []),
    inOrAbsent(L.PlacementGroupPartitionLabel, placementGroup?.partitions ?? []),
  );
  for (const [key, value] of Object.entries(instanceTypeLabels(info))) {
    reqs.push(value === undefined ? { key, operator: "DoesNotExist" } : { key, operator: "In", values: [value] });
  }
  return reqs;
}
