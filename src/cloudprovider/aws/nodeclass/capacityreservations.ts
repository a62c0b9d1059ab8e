// spec.capacityReservationSelectorTerms → the capacity reservations nodes may launch into, as
// Karpenter v1.14 reads them: active reservations only, those whose end date has passed dropped,
// and a capacity block within EC2's reclaim window before its end marked "expiring" (no new launch
// goes into it, and the expiration controller deletes the NodeClaims still in it).
import { type CapacityReservation, DescribeCapacityReservationsCommand, type EC2Client, type Filter } from "@aws-sdk/client-ec2";
import type { EC2NodeClass, EC2NodeClassStatus } from "../../../apis/ec2nodeclass.js";
import { type Clock, systemClock } from "../cache.js";
import { ResolutionFailure, awsErrorCode } from "../errors.js";
import { tagFilters } from "./selectors.js";

export type StatusReservation = NonNullable<EC2NodeClassStatus["capacityReservations"]>[number];

export interface ResolvedReservation extends StatusReservation {
  /** Instances still free in it, at the time of the describe. */
  availableInstanceCount: number;
}

/**
 * EC2 starts reclaiming a capacity block's instances this long before its end date: from then on
 * the block is "expiring" (Karpenter's 40 minutes).
 */
export const CAPACITY_BLOCK_EXPIRATION_WINDOW_MS = 40 * 60_000;

/** A reservation with no such ID is an empty answer, not a failure (Karpenter's not-found codes). */
const notFound = new Set(["InvalidCapacityReservationId.NotFound", "InvalidCapacityReservationId.Malformed"]);

/** "expiring" for a capacity block inside its reclaim window; "active" otherwise (only blocks expire). */
export function reservationState(r: { reservationType?: string | undefined; endTime?: string | undefined }, now: number): "active" | "expiring" {
  if (r.reservationType !== "capacity-block" || !r.endTime) return "active";
  return now < Date.parse(r.endTime) - CAPACITY_BLOCK_EXPIRATION_WINDOW_MS ? "active" : "expiring";
}

/** Whether the reservation's end date has passed: EC2 released it, nothing launches into it. */
export const reservationEnded = (r: { endTime?: string | undefined }, now: number): boolean => r.endTime !== undefined && Date.parse(r.endTime) <= now;

/** EC2's answer as the status records it; undefined for one tenon cannot use (ended, unknown match criteria, incomplete). */
export function reservationFromEC2(r: CapacityReservation, now: number): ResolvedReservation | undefined {
  if (!r.CapacityReservationId || !r.InstanceType || !r.AvailabilityZone || !r.OwnerId) return undefined;
  // A match criteria EC2 may add later is one tenon does not know how to launch into.
  if (r.InstanceMatchCriteria !== "open" && r.InstanceMatchCriteria !== "targeted") return undefined;
  const endTime = r.EndDate?.toISOString();
  if (reservationEnded({ endTime }, now)) return undefined;
  const reservationType = r.ReservationType === "capacity-block" ? ("capacity-block" as const) : ("default" as const);
  return {
    id: r.CapacityReservationId,
    availabilityZone: r.AvailabilityZone,
    instanceType: r.InstanceType,
    ownerID: r.OwnerId,
    instanceMatchCriteria: r.InstanceMatchCriteria,
    ...(endTime ? { endTime } : {}),
    reservationType,
    interruptible: r.Interruptible ?? false,
    state: reservationState({ reservationType, endTime }, now),
    availableInstanceCount: r.AvailableInstanceCount ?? 0,
  };
}

type Term = NonNullable<EC2NodeClass["spec"]["capacityReservationSelectorTerms"]>[number];

/** The filters of one selector term (the reservation state is always active). */
export function reservationFilters(term: Term): Filter[] {
  const filters: Filter[] = [{ Name: "state", Values: ["active"] }];
  if (term.id) return filters;
  filters.push(...tagFilters(term.tags));
  if (term.ownerID) filters.push({ Name: "owner-id", Values: [term.ownerID] });
  if (term.instanceMatchCriteria) filters.push({ Name: "instance-match-criteria", Values: [term.instanceMatchCriteria] });
  return filters;
}

/** Every active reservation the terms select, as EC2 has them now. */
export async function describeReservations(ec2: EC2Client, terms: Term[]): Promise<CapacityReservation[]> {
  const found = new Map<string, CapacityReservation>();
  for (const term of terms) {
    let token: string | undefined;
    try {
      do {
        const res = await ec2.send(new DescribeCapacityReservationsCommand({ ...(term.id ? { CapacityReservationIds: [term.id] } : {}), Filters: reservationFilters(term), NextToken: token }));
        for (const r of res.CapacityReservations ?? []) if (r.CapacityReservationId) found.set(r.CapacityReservationId, r);
        token = res.NextToken;
      } while (token);
    } catch (err) {
      if (!notFound.has(awsErrorCode(err) ?? "")) throw err;
    }
  }
  return [...found.values()];
}

export async function resolveCapacityReservations(ec2: EC2Client, nodeClass: EC2NodeClass, clock: Clock = systemClock): Promise<ResolvedReservation[]> {
  let found: CapacityReservation[];
  try {
    found = await describeReservations(ec2, nodeClass.spec.capacityReservationSelectorTerms ?? []);
  } catch (err) {
    throw new ResolutionFailure(nodeClass.metadata.name ?? "", "spec.capacityReservationSelectorTerms", "ec2:DescribeCapacityReservations", err);
  }
  const now = clock();
  return found
    .map((r) => reservationFromEC2(r, now))
    .filter((r): r is ResolvedReservation => r !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Free instances per reservation ID, as EC2 reports them now. */
export async function reservationAvailability(ec2: EC2Client, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const res = await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: ids }));
  for (const r of res.CapacityReservations ?? []) {
    if (r.CapacityReservationId) out.set(r.CapacityReservationId, r.State === "active" ? (r.AvailableInstanceCount ?? 0) : 0);
  }
  return out;
}
