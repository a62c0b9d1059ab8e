// The pure conversion from EC2's description of an instance type to tenon's InstanceType. The live
// provider and the offline catalog (the simulator) both go through here, so they agree exactly.
import type { InstanceType } from "../../types.js";
import { computeCapacity, computeOverhead, type NodeShapeOptions } from "./capacity.js";
import { createOfferings, type OfferingInputs } from "./offerings.js";
import { computeRequirements, operatingSystems, type PlacementGroupInfo, type ZoneInfo } from "./requirements.js";
import { type InstanceTypeShape, architectureOf } from "./shape.js";

export interface ConversionOptions extends NodeShapeOptions {
  region: string;
  /** Zones the node class launches into (its subnets' zones), with zone IDs where known. */
  zones: ZoneInfo[];
  /** The node class's placement group, when its placementGroupSelector resolved. */
  placementGroup?: PlacementGroupInfo | undefined;
}

/**
 * Converts one instance type, or returns undefined when no node can be made of it here: an
 * architecture Kubernetes has no name for, an OS the AMI family cannot run on it, or no zone in
 * common with the node class.
 */
export function toInstanceType(
  info: InstanceTypeShape,
  offeredZones: readonly string[],
  opts: ConversionOptions,
  pricing: Omit<OfferingInputs, "zones">,
): InstanceType | undefined {
  if (!info.InstanceType || !architectureOf(info)) return undefined;
  if (operatingSystems(info, opts.amiFamily).length === 0) return undefined;
  const classZones = new Set(opts.zones.map((z) => z.name));
  const zones = offeredZones.filter((z) => classZones.has(z)).sort();
  if (zones.length === 0) return undefined;
  const offerings = createOfferings(info, { ...pricing, zones });
  if (offerings.length === 0) return undefined;
  return {
    name: info.InstanceType,
    requirements: computeRequirements(info, opts.region, opts.amiFamily, offerings, opts.zones, opts.placementGroup),
    offerings,
    capacity: computeCapacity(info, opts),
    overhead: computeOverhead(info, opts),
  };
}
