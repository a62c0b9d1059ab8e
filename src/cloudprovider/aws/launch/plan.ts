// Which instance types, capacity types and subnets a NodeClaim may launch into, and with which AMI.
// Pure: from the claim, the node class's resolved status and the current instance types.
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import {
  CapacityReservationIDLabel,
  CapacityReservationInterruptibleLabel,
  CapacityReservationTypeLabel,
  CapacityTypeLabel,
  InstanceAcceleratorCountLabel,
  InstanceGPUCountLabel,
  InstanceSizeLabel,
  InstanceTenancyLabel,
  ZoneLabel,
} from "../../../apis/labels.js";
import type { CapacityType } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import type { InstanceType, Offering, RequirementSpec } from "../../types.js";
import { allocatable } from "../instancetype/capacity.js";
import { allowedValues, specsCompatible as compatible } from "../../../core/requirements.js";
import { parseResourceList } from "../../../core/quantity.js";
import { fitsIn } from "../../../core/resources.js";
import { oneReservationKind } from "./reservationkind.js";

/** CreateFleet takes at most this many overrides per request to stay fast; the cheapest are kept (Karpenter: 60 types). */
export const MAX_INSTANCE_TYPES = 60;

export const claimRequirements = (c: NodeClaim): RequirementSpec[] => c.spec.requirements.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: r.values } : {}) }));

const reservedOnly = (key: string, value: string | undefined): RequirementSpec => (value !== undefined ? { key, operator: "In", values: [value] } : { key, operator: "DoesNotExist" });
const offeringKeys = new Set([ZoneLabel, CapacityTypeLabel, CapacityReservationIDLabel, CapacityReservationTypeLabel, CapacityReservationInterruptibleLabel]);

/** Whether an offering's zone, capacity type and reservation (id, type, interruptible) are allowed by the claim. */
export function offeringAllowed(o: Offering, reqs: RequirementSpec[]): boolean {
  const reserved = o.reservationID !== undefined;
  const labels: RequirementSpec[] = [
    { key: ZoneLabel, operator: "In", values: [o.zone] },
    { key: CapacityTypeLabel, operator: "In", values: [o.capacityType] },
    reservedOnly(CapacityReservationIDLabel, o.reservationID),
    reservedOnly(CapacityReservationTypeLabel, reserved ? (o.reservationType ?? "default") : undefined),
    reservedOnly(CapacityReservationInterruptibleLabel, reserved ? String(o.reservationInterruptible ?? false) : undefined),
  ];
  return compatible(labels, reqs.filter((r) => offeringKeys.has(r.key)));
}

/** The tenancy to launch with: default whenever the claim allows it (as Karpenter chooses), else dedicated. */
export function tenancyOf(reqs: RequirementSpec[]): "default" | "dedicated" {
  const allowed = (t: string) => compatible([{ key: InstanceTenancyLabel, operator: "In", values: [t] }], reqs.filter((r) => r.key === InstanceTenancyLabel));
  return allowed("default") || !allowed("dedicated") ? "default" : "dedicated";
}

const label = (it: InstanceType, key: string): string | undefined => {
  const r = it.requirements.find((x) => x.key === key);
  return r?.operator === "In" ? r.values?.[0] : undefined;
};

/** Metal and accelerated types: only chosen when nothing ordinary fits (they cost more and are scarcer). */
const isExotic = (it: InstanceType): boolean =>
  label(it, InstanceSizeLabel)?.includes("metal") === true || label(it, InstanceGPUCountLabel) !== undefined || label(it, InstanceAcceleratorCountLabel) !== undefined;

/** Types the claim can use: requirements hold, requests fit, some allowed offering is available. */
export function candidateTypes(claim: NodeClaim, types: InstanceType[]): InstanceType[] {
  const reqs = claimRequirements(claim);
  const requests = parseResourceList(claim.spec.resources?.requests, "spec.resources.requests");
  const ok = types.filter(
    (it) => compatible(it.requirements, reqs.filter((r) => r.key !== ZoneLabel && r.key !== CapacityTypeLabel)) && fitsIn(requests, allocatable(it.capacity, it.overhead)) && it.offerings.some((o) => o.available && offeringAllowed(o, reqs)),
  );
  const ordinary = ok.filter((it) => !isExotic(it));
  return ordinary.length > 0 ? ordinary : ok;
}

/** Capacity types to try, in order: reserved (already paid for), spot (cheapest), on-demand. */
export function capacityTypeOrder(claim: NodeClaim, types: InstanceType[]): CapacityType[] {
  const reqs = claimRequirements(claim);
  const allowed = allowedValues(reqs, CapacityTypeLabel, ["reserved", "spot", "on-demand"]);
  return allowed.filter((ct) => types.some((it) => it.offerings.some((o) => o.capacityType === ct && o.available && offeringAllowed(o, reqs)))) as CapacityType[];
}

export interface Candidate {
  instanceType: InstanceType;
  offering: Offering;
}

/**
 * The offerings to put in one CreateFleet for a capacity type: allowed and available, cheapest
 * types first, at most MAX_INSTANCE_TYPES types. Spot offerings dearer than the cheapest on-demand
 * one are dropped when on-demand is allowed too (they would only buy interruptions).
 */
export function offeringsFor(claim: NodeClaim, types: InstanceType[], capacityType: CapacityType): Candidate[] {
  const reqs = claimRequirements(claim);
  const usable = (ct: CapacityType) =>
    types.flatMap((it) => it.offerings.filter((o) => o.capacityType === ct && o.available && offeringAllowed(o, reqs)).map((offering) => ({ instanceType: it, offering })));
  let candidates = usable(capacityType);
  if (capacityType === "reserved") candidates = oneReservationKind(candidates);
  if (capacityType === "spot") {
    const onDemand = usable("on-demand");
    if (onDemand.length > 0) {
      const cheapest = Math.min(...onDemand.map((c) => c.offering.price));
      candidates = candidates.filter((c) => c.offering.price <= cheapest);
    }
  }
  const cheapestPerType = new Map<string, number>();
  for (const c of candidates) cheapestPerType.set(c.instanceType.name, Math.min(cheapestPerType.get(c.instanceType.name) ?? Infinity, c.offering.price));
  const kept = new Set([...cheapestPerType.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, MAX_INSTANCE_TYPES).map(([n]) => n));
  return candidates.filter((c) => kept.has(c.instanceType.name)).sort((a, b) => a.offering.price - b.offering.price || a.instanceType.name.localeCompare(b.instanceType.name) || a.offering.zone.localeCompare(b.offering.zone));
}

/** The newest AMI of the node class whose requirements the type meets. */
export function amiFor(it: InstanceType, nodeClass: EC2NodeClass): string | undefined {
  return nodeClass.status?.amis?.find((a) => compatible(it.requirements, a.requirements as RequirementSpec[]))?.id;
}

/** The subnet to use in a zone: the first of the status (resolution sorts by free addresses). */
export function subnetFor(zone: string, nodeClass: EC2NodeClass): string | undefined {
  return nodeClass.status?.subnets?.find((s) => s.zone === zone)?.id;
}
