// The Events the interruption controller records, with Karpenter's reasons and wording, each on the
// NodeClaim and (when it has registered) its Node, so `kubectl get events --field-selector
// reason=SpotInterrupted` reads the same as under Karpenter.
import type { V1Node } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { InterruptionKind } from "../../cloudprovider/aws/interruption/messages.js";
import type { Event, EventType } from "../../operator/events.js";
import { nodeClaimRef, nodeRef } from "../shared/objects.js";

interface Notice {
  type: EventType;
  reason: string;
  message: string;
}

const notices: Partial<Record<InterruptionKind, Notice>> = {
  spot_interrupted: { type: "Warning", reason: "SpotInterrupted", message: "Spot interruption warning was triggered" },
  rebalance_recommendation: { type: "Normal", reason: "SpotRebalanceRecommendation", message: "Spot rebalance recommendation was triggered" },
  scheduled_change: { type: "Warning", reason: "InstanceUnhealthy", message: "An unhealthy warning was triggered for the instance" },
  instance_stopped: { type: "Warning", reason: "InstanceStopping", message: "Instance is stopping" },
  instance_terminated: { type: "Warning", reason: "InstanceTerminating", message: "Instance is terminating" },
  capacity_reservation_interrupted: { type: "Warning", reason: "CapacityReservationInstanceInterrupted", message: "Capacity Reservation interruption warning was triggered" },
};

function onBoth(claim: NodeClaim, node: V1Node | undefined, n: Notice, nodeMessage = n.message): Event[] {
  const out: Event[] = [{ involvedObject: nodeClaimRef(claim), type: n.type, reason: n.reason, message: n.message, dedupeValues: [claim.metadata.uid ?? claim.metadata.name ?? ""] }];
  if (node) out.push({ involvedObject: nodeRef(node), type: n.type, reason: n.reason, message: nodeMessage, dedupeValues: [node.metadata?.uid ?? node.metadata?.name ?? ""] });
  return out;
}

/** What the message said about the instance (none for a no_op). */
export function noticeEvents(kind: InterruptionKind, claim: NodeClaim, node: V1Node | undefined): Event[] {
  const n = notices[kind];
  return n ? onBoth(claim, node, n) : [];
}

/** The claim was deleted because of the message. */
export function terminatingOnInterruptionEvents(claim: NodeClaim, node: V1Node | undefined): Event[] {
  return onBoth(claim, node, { type: "Warning", reason: "TerminatingOnInterruption", message: "Interruption triggered termination for the NodeClaim" }, "Interruption triggered termination for the Node");
}

/** EC2's status checks or a scheduled event show the instance unhealthy (Karpenter's Unhealthy Events). */
export function instanceUnhealthyEvents(claim: NodeClaim, node: V1Node | undefined): Event[] {
  return onBoth(claim, node, notices.scheduled_change!);
}
