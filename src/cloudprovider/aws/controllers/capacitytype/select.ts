// Which NodeClaims' reservations have ended, as Karpenter v1.14's capacityreservation.capacitytype
// controller decides it: a claim labelled reserved whose instance EC2 now reports as on-demand (the
// reservation expired or was cancelled, and EC2 moved the instance out of it) becomes on-demand,
// without its reservation labels. Only this demotion exists; on-demand is never promoted.
import { CapacityReservationIDLabel, CapacityReservationInterruptibleLabel, CapacityReservationTypeLabel, CapacityTypeLabel } from "../../../../apis/labels.js";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { isDeleting } from "../../../../state/predicates.js";

export const ReservedCapacityLabels = [CapacityReservationIDLabel, CapacityReservationTypeLabel, CapacityReservationInterruptibleLabel];

/** The label patch that moves a claim (and its node) to on-demand: capacity type set, reservation labels removed. */
export const onDemandPatch = (): Record<string, string | null> => ({
  [CapacityTypeLabel]: "on-demand",
  ...Object.fromEntries(ReservedCapacityLabels.map((l) => [l, null])),
});

/** Claims labelled reserved whose instance (from the cloud's list, by provider ID) is on-demand now. */
export function endedReservations(claims: NodeClaim[], cloud: NodeClaim[]): NodeClaim[] {
  const cloudType = new Map(cloud.map((c) => [c.status?.providerID ?? "", c.metadata.labels?.[CapacityTypeLabel]]));
  return claims.filter((c) => {
    const pid = c.status?.providerID;
    if (!pid || isDeleting(c)) return false;
    return c.metadata.labels?.[CapacityTypeLabel] === "reserved" && cloudType.get(pid) === "on-demand";
  });
}
