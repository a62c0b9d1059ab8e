// The events disruption records, with Karpenter's reasons and wording where Karpenter has them, so
// `kubectl get events --field-selector reason=Unconsolidatable` and friends keep working.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { Candidate, Command, ConsolidationMove, Explanation, ValidationFailure } from "../../disruption/index.js";
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

/** Go's %.2f (and friends) of a float: ±Inf and NaN as Go writes them. */
function goFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  return x.toFixed(digits);
}

/**
 * Karpenter's words for a consolidation command from one candidate's side, before the command has
 * an id: "delete: [a]", "replace: [a] -> [1 replacement]", or, for one node of several,
 * "delete: [a] (part of 3-node consolidation)".
 */
export function commandForNode(cmd: Pick<Command, "decision" | "candidates" | "replacements">, node: string): string {
  if (cmd.candidates.length > 1) return `${cmd.decision}: [${node}] (part of ${cmd.candidates.length}-node consolidation)`;
  const n = cmd.replacements.length;
  return n > 0 ? `${cmd.decision}: [${node}] -> [${n} ${n === 1 ? "replacement" : "replacements"}]` : `${cmd.decision}: [${node}]`;
}

function onNodeAndClaim(node: V1Node | undefined, claim: NodeClaim | undefined, { reason, message }: { reason: string; message: string }, dedupe: readonly string[]): Event[] {
  const out: Event[] = [];
  if (node) out.push({ involvedObject: nodeRef(node), type: "Normal", reason, message, dedupeValues: [uidOr(node), ...dedupe] });
  if (claim) out.push({ involvedObject: nodeClaimRef(claim), type: "Normal", reason, message, dedupeValues: [uidOr({ metadata: claim.metadata }), ...dedupe] });
  return out;
}

/** A consolidation command found, as its validation starts (Karpenter's ConsolidationCandidate), on each candidate. */
export function consolidationCandidateEvents(cmd: Command, c: Candidate): Event[] {
  const command = commandForNode(cmd, c.name);
  return onNodeAndClaim(c.node, c.claim, { reason: "ConsolidationCandidate", message: `Consolidation candidate: ${command} (savings: $${goFixed(cmd.savingsPerHour, 2)})` }, [command]);
}

/** A consolidation command its validation refused, with Karpenter's kind of failure (churn, budget, scheduling). */
export function consolidationRejectedEvents(cmd: Command, c: Candidate, kind: ValidationFailure): Event[] {
  const command = commandForNode(cmd, c.name);
  return onNodeAndClaim(c.node, c.claim, { reason: "ConsolidationRejected", message: `Consolidation rejected: ${command}, reason: ${kind} (savings: $${goFixed(cmd.savingsPerHour, 2)})` }, [command, kind]);
}

type MoveScore = NonNullable<ConsolidationMove["score"]>;

function scoreMessage(s: MoveScore): string {
  return `score ${goFixed(s.value, 2)} >= threshold ${goFixed(s.threshold, 2)} (k: ${s.k}, savings ${goFixed(s.savingsFraction * 100, 1)}%, disruption ${goFixed(s.disruptionFraction * 100, 1)}%)`;
}

/** A single-node move a Balanced NodePool's score approved (Karpenter's ConsolidationApproved), on the node and its claim. */
export function consolidationApprovedEvents(node: V1Node | undefined, claim: NodeClaim | undefined, s: MoveScore): Event[] {
  return onNodeAndClaim(node, claim, { reason: "ConsolidationApproved", message: scoreMessage(s) }, []);
}

/** A multi-node move a Balanced NodePool's score approved, on the NodePool. */
export function consolidationApprovedNodePoolEvent(np: NodePool, s: MoveScore): Event {
  return { involvedObject: nodePoolRef(np), type: "Normal", reason: "ConsolidationApproved", message: scoreMessage(s), dedupeValues: [uidOr({ metadata: np.metadata })] };
}
