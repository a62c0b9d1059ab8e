// Pure: when a NodeClaim that never became a node is given up on.
import { ConditionLaunched, ConditionRegistered } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { getCondition, isTrue } from "../../shared/conditions.js";
import { timeOf } from "../../../state/predicates.js";

export interface LivenessOptions {
  /** A launched claim whose node has not registered this long after the claim was created is deleted. Karpenter: 15 min. */
  registrationTTLMs: number;
  /** A claim whose launch has been failing this long is deleted. Karpenter: 5 min. */
  launchTimeoutMs: number;
}

export const defaultLivenessOptions: LivenessOptions = { registrationTTLMs: 15 * 60_000, launchTimeoutMs: 5 * 60_000 };

export type LivenessDecision =
  | { action: "none" }
  | { action: "requeue"; afterMs: number }
  | { action: "delete"; reason: "registration_timeout" | "launch_timeout"; timeoutMs: number };

export function livenessDecision(claim: NodeClaim, now: number, opts: LivenessOptions): LivenessDecision {
  const conditions = claim.status?.conditions;
  if (isTrue(conditions, ConditionRegistered)) return { action: "none" };
  let wait = Number.POSITIVE_INFINITY;
  const launched = getCondition(conditions, ConditionLaunched);
  if (launched?.status === "False") {
    // Failing since the condition last changed: lastTransitionTime moves only when the status does.
    const since = timeOf(launched.lastTransitionTime) ?? now;
    const left = opts.launchTimeoutMs - (now - since);
    if (left <= 0) return { action: "delete", reason: "launch_timeout", timeoutMs: opts.launchTimeoutMs };
    wait = left;
  }
  const created = timeOf(claim.metadata.creationTimestamp) ?? now;
  const left = opts.registrationTTLMs - (now - created);
  if (left <= 0) return { action: "delete", reason: "registration_timeout", timeoutMs: opts.registrationTTLMs };
  return { action: "requeue", afterMs: Math.min(wait, left) };
}
