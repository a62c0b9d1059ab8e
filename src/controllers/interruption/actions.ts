// Pure: what a parsed interruption message asks of each NodeClaim it names, as Karpenter acts on it.
// A spot interruption warning, a scheduled change, a stop or termination and a capacity reservation
// interruption delete the NodeClaim at once (a replacement launches; the node is tainted and
// drained by termination); a rebalance recommendation only records an Event. A spot interruption
// also marks its offering unavailable so the replacement is not placed on the same spot pool, and a
// capacity reservation interruption its reservation (Karpenter: no room left in it until EC2's
// next count).
import { CapacityReservationIDLabel, CapacityTypeLabel, type CapacityType, InstanceTypeLabel, ZoneLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { InterruptionKind } from "../../cloudprovider/aws/interruption/messages.js";

export type InterruptionAction = "CordonAndDrain" | "NoAction";

export function actionFor(kind: InterruptionKind): InterruptionAction {
  switch (kind) {
    case "spot_interrupted":
    case "scheduled_change":
    case "instance_stopped":
    case "instance_terminated":
    case "capacity_reservation_interrupted":
      return "CordonAndDrain";
    default:
      return "NoAction";
  }
}

export interface UnavailableOffering {
  instanceType: string;
  zone: string;
  capacityType: CapacityType;
  /** A reserved offering's reservation: an interruption takes back that reservation, not every one of the type. */
  reservationID?: string;
}

/** The offering the message shows EC2 cannot keep, read from the claim's labels; undefined when none or unknown. */
export function unavailableOfferingOf(kind: InterruptionKind, claim: NodeClaim): UnavailableOffering | undefined {
  const capacityType: CapacityType | undefined = kind === "spot_interrupted" ? "spot" : kind === "capacity_reservation_interrupted" ? "reserved" : undefined;
  if (!capacityType) return undefined;
  const labels = claim.metadata.labels ?? {};
  const instanceType = labels[InstanceTypeLabel];
  const zone = labels[ZoneLabel];
  // A claim labelled with another capacity type was not what the message is about.
  if (!instanceType || !zone || (labels[CapacityTypeLabel] !== undefined && labels[CapacityTypeLabel] !== capacityType)) return undefined;
  const reservationID = capacityType === "reserved" ? labels[CapacityReservationIDLabel] : undefined;
  return { instanceType, zone, capacityType, ...(reservationID ? { reservationID } : {}) };
}
