// One offering per zone × capacity type an instance type can be bought in, priced, and marked
// unavailable where EC2 recently had no capacity or no price is known.
import type { CapacityType } from "../../../apis/labels.js";
import type { Offering } from "../../types.js";
import type { InstanceTypeShape } from "./shape.js";

export interface PriceSource {
  onDemand(instanceType: string): number | undefined;
  spot(instanceType: string, zone: string): number | undefined;
}

/** An on-demand capacity reservation of the node class that this type may launch into. */
export interface ReservationOffer {
  id: string;
  instanceType: string;
  zone: string;
  /** Instances still free in the reservation. */
  available: number;
  reservationType?: "default" | "capacity-block";
  interruptible?: boolean;
  /** "expiring": a capacity block in EC2's reclaim window; offered, never available (as Karpenter). */
  state?: "active" | "expiring";
}

export interface OfferingInputs {
  /** Zones where EC2 offers the type and the node class has a subnet. */
  zones: string[];
  prices: PriceSource;
  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType): boolean;
  reservations?: ReservationOffer[];
}

/**
 * Reserved capacity is already paid for, so it is priced as a tiny fraction of on-demand: cheaper
 * than anything else, yet still ordered by size among reservations (Karpenter does the same).
 */
export const RESERVED_PRICE_DIVISOR = 10_000_000;

export function createOfferings(info: InstanceTypeShape, inputs: OfferingInputs): Offering[] {
  const name = info.InstanceType ?? "";
  const usage = new Set(info.SupportedUsageClasses ?? ["on-demand"]);
  const offerings: Offering[] = [];
  for (const zone of inputs.zones) {
    for (const capacityType of ["spot", "on-demand"] as const) {
      if (!usage.has(capacityType)) continue;
      const price = capacityType === "spot" ? inputs.prices.spot(name, zone) : inputs.prices.onDemand(name);
      offerings.push({
        zone,
        capacityType,
        price: price ?? 0,
        available: price !== undefined && !inputs.isUnavailable(name, zone, capacityType),
      });
    }
  }
  const onDemand = inputs.prices.onDemand(name);
  for (const r of inputs.reservations ?? []) {
    if (r.instanceType !== name || !inputs.zones.includes(r.zone)) continue;
    offerings.push({
      zone: r.zone,
      capacityType: "reserved",
      price: (onDemand ?? 0) / RESERVED_PRICE_DIVISOR,
      available: r.available > 0 && r.state !== "expiring" && !inputs.isUnavailable(name, r.zone, "reserved"),
      reservationID: r.id,
      reservationCapacity: r.available,
      reservationType: r.reservationType ?? "default",
      reservationInterruptible: r.interruptible ?? false,
    });
  }
  return offerings;
}
