import type { InstanceType, Offering, ResourceList } from "../cloudprovider/types.js";
import { CapacityReservationIDLabel, CapacityTypeLabel, ZoneLabel } from "../apis/labels.js";
import { Requirements } from "../core/requirements.js";

/**
 * What pods can use on a node of this type: capacity − kube-reserved − system-reserved − eviction
 * threshold, per resource, never below zero. `pods` comes from the capacity (max pods).
 */
export function allocatable(it: InstanceType): ResourceList {
  const out: ResourceList = {};
  for (const [name, cap] of Object.entries(it.capacity)) {
    const reserved = (it.overhead.kubeReserved[name] ?? 0) + (it.overhead.systemReserved[name] ?? 0) + (it.overhead.evictionThreshold[name] ?? 0);
    out[name] = Math.max(0, cap - reserved);
  }
  return out;
}

/** Whether an offering is allowed by node requirements (zone, capacity type, reservation). */
export function offeringAllowed(o: Offering, reqs: Requirements): boolean {
  const zone = reqs.get(ZoneLabel);
  if (zone && !zone.has(o.zone)) return false;
  const ct = reqs.get(CapacityTypeLabel);
  if (ct && !ct.has(o.capacityType)) return false;
  const rid = reqs.get(CapacityReservationIDLabel);
  if (rid) {
    if (o.reservationID === undefined ? !rid.allowsAbsence : !rid.has(o.reservationID)) return false;
  }
  return true;
}

/** The cheapest available offering the requirements allow, or undefined. */
export function cheapestOffering(offerings: readonly Offering[], reqs: Requirements): Offering | undefined {
  let best: Offering | undefined;
  for (const o of offerings) {
    if (!o.available || !offeringAllowed(o, reqs)) continue;
    if (!best || o.price < best.price) best = o;
  }
  return best;
}

/** An instance type's requirements as a set (keys normalized). */
export function typeRequirements(it: InstanceType): Requirements {
  return Requirements.fromSpecs(it.requirements);
}
