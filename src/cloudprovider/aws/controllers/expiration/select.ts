// Which NodeClaims go because their capacity block is ending, as Karpenter v1.14's
// capacityreservation.expiration controller decides it: a claim labelled with a reservation that
// EC2 reports expiring (a capacity block inside its reclaim window) is deleted before EC2 reclaims
// the instance, so its pods are drained gracefully and replaced elsewhere.
import { CapacityReservationIDLabel } from "../../../../apis/labels.js";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { isDeleting } from "../../../../state/predicates.js";

/** The reservation IDs the claims are in (labelled), each once, sorted. */
export function reservationIDsOf(claims: NodeClaim[]): string[] {
  return [...new Set(claims.map((c) => c.metadata.labels?.[CapacityReservationIDLabel]).filter((id): id is string => !!id))].sort();
}

/** Claims in an expiring reservation and not already being deleted. */
export function claimsToExpire(claims: NodeClaim[], expiring: Set<string>): NodeClaim[] {
  return claims.filter((c) => {
    const id = c.metadata.labels?.[CapacityReservationIDLabel];
    return id !== undefined && expiring.has(id) && !isDeleting(c);
  });
}
