// spec.capacityReservationSelectorTerms → on-demand capacity reservations nodes may launch into.
import { type CapacityReservation, DescribeCapacityReservationsCommand, type EC2Client, type Filter } from "@aws-sdk/client-ec2";
import type { EC2NodeClass, EC2NodeClassStatus } from "../../../apis/ec2nodeclass.js";
import { ResolutionFailure } from "../errors.js";
import { tagFilters } from "./selectors.js";

export type StatusReservation = NonNullable<EC2NodeClassStatus["capacityReservations"]>[number];

export interface ResolvedReservation extends StatusReservation {
  /** Instances still free in it, at the time of the describe. */
  availableInstanceCount: number;
}

export async function resolveCapacityReservations(ec2: EC2Client, nodeClass: EC2NodeClass): Promise<ResolvedReservation[]> {
  const terms = nodeClass.spec.capacityReservationSelectorTerms ?? [];
  const found = new Map<string, CapacityReservation>();
  try {
    for (const term of terms) {
      const filters: Filter[] = [...tagFilters(term.tags), { Name: "state", Values: ["active"] }];
      if (term.ownerID) filters.push({ Name: "owner-id", Values: [term.ownerID] });
      let token: string | undefined;
      do {
        const res = await ec2.send(
          new DescribeCapacityReservationsCommand({ ...(term.id ? { CapacityReservationIds: [term.id] } : {}), Filters: filters, NextToken: token }),
        );
        for (const r of res.CapacityReservations ?? []) if (r.CapacityReservationId) found.set(r.CapacityReservationId, r);
        token = res.NextToken;
      } while (token);
    }
  } catch (err) {
    throw new ResolutionFailure(nodeClass.metadata.name ?? "", "spec.capacityReservationSelectorTerms", "ec2:DescribeCapacityReservations", err);
  }
  return [...found.values()]
    .filter((r) => r.InstanceType && r.AvailabilityZone && r.OwnerId)
    .map((r) => ({
      id: r.CapacityReservationId!,
      availabilityZone: r.AvailabilityZone!,
      instanceType: r.InstanceType!,
      ownerID: r.OwnerId!,
      instanceMatchCriteria: r.InstanceMatchCriteria === "targeted" ? ("targeted" as const) : ("open" as const),
      ...(r.EndDate ? { endTime: r.EndDate.toISOString() } : {}),
      reservationType: r.ReservationType === "capacity-block" ? ("capacity-block" as const) : ("default" as const),
      state: "active" as const,
      availableInstanceCount: r.AvailableInstanceCount ?? 0,
    }))
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
