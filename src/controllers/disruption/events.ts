// The events disruption records, with Karpenter's reasons and wording where Karpenter has them, so
// `kubectl get events --field-selector reason=Unconsolidatable` and friends keep working.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { Explanation } from "../../disruption/index.js";
import type { Event, ObjectReference } from "../../operator/events.js";
import { nodeClaimRef, nodeRef, podRef } from "../shared/objects.js";

const FifteenMinutes = 15 * 60_000;

function nodePoolRef(np: NodePool): ObjectReference {
  return { apiVersion: "karpenter.sh/v1", kind: "NodePool", name: np.metadata.name ?? "", ...(np.metadata.uid ? { uid: np.metadata.uid } : {}) };
}

const uidOr = (o: { metadata?: { uid?: string; name?: string } }): string => o.metadata?.uid ?? o.metadata?.name ?? "";

/** Why a node was left alone, on the Node and its NodeClaim (Unconsolidatable or DisruptionBlocked). */
export function explanationEvents(e: Explanation, node: V1Node | undefined, claim: NodeClaim | undefined): Event[] {
  const out: Event[] = [];
  const timeout = e.event === "Unconsolidatable" ? FifteenMinutes : undefined;
  for (const [ref, uid] of [
    [node ? nodeRef(node) : undefined, node ? uidOr(node) : ""],
    [claim ? nodeClaimRef(claim) : undefined, claim ? uidOr(claim) : ""],
  ] as const) {
    if (!ref) continue;
    out.push({ involvedObject: ref, type: "Normal", reason: e.event, message: e.message, dedupeValues: [uid, e.message], ...(timeout ? { dedupeTimeoutMs: timeout } : {}) });
  }
  return out;
}

/** A pod that keeps its node (do-not-disrupt) while its NodePool sleeps or shrinks says so on itself too. */
export function podBlockingEvent(pod: V1Pod, message: string): Event {
  return { involvedObject: podRef(pod), type: "Normal", reason: "DisruptionBlocked", message, dedupeValues: [uidOr(pod), message] };
}

export function nodePoolBlockedEvent(np: NodePool, reason: string): Event {
  return {
    involvedObject: nodePoolRef(np),
    type: "Normal",
    reason: "DisruptionBlocked",
    message: `No allowed disruptions for disruption reason ${reason} due to blocking budget`,
    dedupeValues: [uidOr({ metadata: np.metadata }), reason],
    dedupeTimeoutMs: 60_000,
  };
}

export function nodePoolWarningEvent(np: NodePool, message: string): Event {
  return { involvedObject: nodePoolRef(np), type: "Warning", reason: "InvalidDisruptionSettings", message, dedupeValues: [uidOr({ metadata: np.metadata }), message], dedupeTimeoutMs: FifteenMinutes };
}

export function launchingEvent(claim: NodeClaim, reason: string): Event {
  return { involvedObject: nodeClaimRef(claim), type: "Normal", reason: "DisruptionLaunching", message: `Launching NodeClaim: ${reason}`, dedupeValues: [uidOr({ metadata: claim.metadata }), reason] };
}

export function waitingEvent(claim: NodeClaim): Event {
  return { involvedObject: nodeClaimRef(claim), type: "Normal", reason: "DisruptionWaitingReadiness", message: "Waiting on readiness to continue disruption", dedupeValues: [uidOr({ metadata: claim.metadata })] };
}

export function terminatingEvents(node: V1Node | undefined, claim: NodeClaim | undefined, reason: string): Event[] {
  const out: Event[] = [];
  if (node) out.push({ involvedObject: nodeRef(node), type: "Normal", reason: "DisruptionTerminating", message: `Disrupting Node: ${reason}`, dedupeValues: [uidOr(node), reason] });
  if (claim) out.push({ involvedObject: nodeClaimRef(claim), type: "Normal", reason: "DisruptionTerminating", message: `Disrupting NodeClaim: ${reason}`, dedupeValues: [uidOr({ metadata: claim.metadata }), reason] });
  return out;
}

/** A command dropped before it acted (validation or a replacement that never came up). */
export function abandonedEvents(node: V1Node | undefined, claim: NodeClaim | undefined, what: string, reason: string): Event[] {
  const message = `Disruption abandoned: ${what}: ${reason}`;
  const out: Event[] = [];
  if (node) out.push({ involvedObject: nodeRef(node), type: "Normal", reason: "DisruptionAbandoned", message, dedupeValues: [uidOr(node), message] });
  if (claim) out.push({ involvedObject: nodeClaimRef(claim), type: "Normal", reason: "DisruptionAbandoned", message, dedupeValues: [uidOr({ metadata: claim.metadata }), message] });
  return out;
}
