// What a static NodePool (spec.replicas, Karpenter's StaticCapacity) needs now: how many NodeClaims
// to create and which to delete, from the pool's claims as the API server lists them. Pure: the
// controller gathers the facts and carries the answer out.
import { ConditionDisruptionReason } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import { parseQuantity } from "../../core/quantity.js";
import { isTrue } from "../shared/conditions.js";
import { isDeleting } from "../../state/predicates.js";

/** A claim of the pool and what removing it would cost. */
export interface StaticClaim {
  claim: NodeClaim;
  /** Pods on its node that are not daemonset pods (0 when it has no node yet). */
  pods: number;
  /** Whether a pod on its node carries karpenter.sh/do-not-disrupt. */
  doNotDisrupt: boolean;
}

export interface StaticPlan {
  /** NodeClaims to create from the pool's template. */
  create: number;
  /** NodeClaims to delete (surplus after a scale-down), cheapest to lose first. */
  delete: NodeClaim[];
  /** Why the plan is what it is, for the log and the NodePool's Events. */
  reason: string;
  /** Active claims (not deleting, not being replaced by disruption). */
  active: number;
  /** Set when limits.nodes stopped the pool reaching its replicas. */
  limited?: string;
}

/** limits.nodes as a count, or Infinity without one (or with one tenon cannot read: the CRD admits only quantities). */
export function nodeLimit(np: NodePool): number {
  const raw = np.spec.limits?.nodes;
  if (raw === undefined) return Infinity;
  try {
    return parseQuantity(raw, "nodes");
  } catch {
    return Infinity;
  }
}

/**
 * Karpenter's counting: a claim the disruption controller is replacing (DisruptionReason) still holds a
 * place when deciding to grow, so a replacement is not doubled; it does not when deciding to
 * shrink, so its replacement is not taken for a surplus. Deleting claims count for neither, but
 * still count against limits.nodes while their nodes exist.
 */
export function planStatic(np: NodePool, claims: readonly StaticClaim[]): StaticPlan {
  const replicas = np.spec.replicas ?? 0;
  const live = claims.filter((c) => !isDeleting(c.claim));
  const disrupting = live.filter((c) => isTrue(c.claim.status?.conditions, ConditionDisruptionReason));
  const active = live.filter((c) => !isTrue(c.claim.status?.conditions, ConditionDisruptionReason));
  const limit = nodeLimit(np);

  if (active.length > replicas) {
    const surplus = active.length - replicas;
    return { create: 0, delete: deletionOrder(active).slice(0, surplus), active: active.length, reason: `${active.length} nodeclaims, ${replicas} replicas: removing ${surplus}` };
  }
  const missing = replicas - active.length - disrupting.length;
  if (missing <= 0) return { create: 0, delete: [], active: active.length, reason: `${active.length} nodeclaims for ${replicas} replicas` };
  const room = Math.max(0, limit - claims.length);
  const create = Math.min(missing, room);
  const limited = create < missing ? `limits.nodes ${limit} allows ${create} of the ${missing} nodeclaims the ${replicas} replicas need (${claims.length} exist)` : undefined;
  return { create, delete: [], active: active.length, reason: `${active.length} nodeclaims, ${replicas} replicas: creating ${create}`, ...(limited ? { limited } : {}) };
}

/**
 * Which claims go first when there are too many, as Karpenter orders them: not yet launched (no
 * provider ID), then empty nodes, then the fewest pods, those with do-not-disrupt pods last; the
 * newest first among equals, so the longest-running nodes stay.
 */
export function deletionOrder(claims: readonly StaticClaim[]): NodeClaim[] {
  const rank = (c: StaticClaim): number => (c.claim.status?.providerID ? (c.doNotDisrupt ? 3 : c.pods === 0 ? 1 : 2) : 0);
  const created = (c: StaticClaim): number => Date.parse(c.claim.metadata.creationTimestamp ?? "") || 0;
  return [...claims]
    .sort((a, b) => rank(a) - rank(b) || a.pods - b.pods || created(b) - created(a) || (a.claim.metadata.name ?? "").localeCompare(b.claim.metadata.name ?? ""))
    .map((c) => c.claim);
}
