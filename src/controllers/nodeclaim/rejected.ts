// NodeClaims the cluster state sets aside (they fail tenon's schema, e.g. a status quantity the
// CRD's pattern admits but no component can read): each gets a Warning Event naming the field, so
// `kubectl describe nodeclaim` says why tenon leaves it alone. Its instance is never garbage
// collected and its NodePool is not disrupted meanwhile (see garbagecollection and disruption).
import type { EventRecorder } from "../../operator/events.js";
import type { Rejected } from "../../state/store.js";

export const NodeClaimValidationFailedReason = "NodeClaimValidationFailed";

export function announceRejectedNodeClaim(recorder: EventRecorder, r: Rejected): void {
  const uid = (r.raw.metadata as { uid?: unknown } | undefined)?.uid;
  recorder.publish({
    involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: r.name, ...(typeof uid === "string" ? { uid } : {}) },
    type: "Warning",
    reason: NodeClaimValidationFailedReason,
    message: `NodeClaim cannot be read, so tenon leaves it, its instance and its NodePool's disruption alone until it is fixed: ${r.message}`,
  });
}
