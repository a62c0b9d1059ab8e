// Which nodes may be disrupted at all, and the facts each method needs about them. A node is a
// candidate when it has a NodeClaim of a NodePool tenon knows (and a known instance type), is
// initialized, is not already going away, and does not carry karpenter.sh/do-not-disrupt. Pods
// that block a graceful disruption (do-not-disrupt still in force, a PodDisruptionBudget that allows nothing)
// are recorded on the candidate: graceful methods skip it, eventual ones (drift, sleep, limits)
// do not when the claim has a terminationGracePeriod to bound the drain.
import { parseNillableDuration } from "../apis/duration.js";
import { ConditionInitialized, DoNotDisruptAnnotation, InstanceTypeLabel } from "../apis/labels.js";
import type { NodePool } from "../apis/nodepool.js";
import { objectDoNotDisrupt, podProtection } from "../state/donotdisrupt.js";
import { type ClusterView, conditionOf, timeOf } from "./state.js";
import { blocksWithDoNotDisrupt, evictionCost, isReschedulable, podName } from "./pods.js";
import type { Candidate, Expiration, Explanation, StateNode } from "./types.js";

export function explanation(s: StateNode, e: Omit<Explanation, "node" | "nodeClaim" | "nodePool">): Explanation {
  return {
    node: s.name,
    ...(s.claim?.metadata.name ? { nodeClaim: s.claim.metadata.name } : {}),
    ...(s.nodePoolName !== undefined ? { nodePool: s.nodePoolName } : {}),
    ...e,
  };
}

/** consolidateAfter in ms, or undefined for Never (consolidation off). */
export function consolidateAfterMs(np: NodePool): number | undefined {
  try {
    return parseNillableDuration(np.spec.disruption.consolidateAfter);
  } catch {
    return undefined;
  }
}

/**
 * When the node becomes consolidatable: consolidateAfter after its last pod event
 * (status.lastPodEventTime), or after it was initialized (or created) if no pod ever came or went.
 */
export function consolidatableAt(s: StateNode, np: NodePool): number | undefined {
  const after = consolidateAfterMs(np);
  if (after === undefined) return undefined;
  const base = timeOf(s.claim?.status?.lastPodEventTime) ?? timeOf(conditionOf(s.claim, ConditionInitialized)?.lastTransitionTime) ?? s.createdAt;
  return base + after;
}

/** The fraction of the node's lifetime left before its NodePool's expireAfter, in [0, 1] (1 without expiry). */
export function lifetimeRemaining(s: StateNode, np: NodePool, now: number): number {
  let expire: number | undefined;
  try {
    expire = parseNillableDuration(np.spec.template.spec.expireAfter);
  } catch {
    expire = undefined;
  }
  if (expire === undefined || expire <= 0) return 1;
  const age = now - (timeOf(s.claim?.metadata.creationTimestamp) ?? s.createdAt);
  return Math.min(1, Math.max(0, (expire - age) / expire));
}

export interface CandidateSet {
  candidates: Candidate[];
  /** Nodes that cannot be disrupted by any method, and why. */
  explanations: Explanation[];
}

export function buildCandidates(view: ClusterView): CandidateSet {
  const now = view.opts.now;
  const candidates: Candidate[] = [];
  const explanations: Explanation[] = [];
  for (const s of view.stateNodes) {
    if (!s.managed || s.markedForDeletion || !s.node) continue;
    const blocked = (kind: Explanation["kind"], message: string) => explanations.push(explanation(s, { kind, message, event: "DisruptionBlocked" }));
    if (!s.initialized) {
      blocked("NotInitialized", "node isn't initialized");
      continue;
    }
    if (objectDoNotDisrupt(s.node) || (s.claim && objectDoNotDisrupt(s.claim))) {
      blocked("DoNotDisrupt", `disruption is blocked through the "${DoNotDisruptAnnotation}" annotation`);
      continue;
    }
    const np = s.nodePoolName !== undefined ? view.pools.get(s.nodePoolName) : undefined;
    if (!np) {
      blocked("NodePoolNotFound", `NodePool "${s.nodePoolName ?? ""}" not found`);
      continue;
    }
    if (!s.instanceType) {
      blocked("InstanceTypeNotFound", `Instance Type "${s.labels[InstanceTypeLabel] ?? ""}" not found`);
      continue;
    }
    if (s.price === undefined) {
      blocked("InstanceTypeNotFound", `no offering of instance type "${s.instanceType.name}" in zone "${s.zone}" for capacity type "${s.capacityType}", so its price is unknown`);
      continue;
    }
    const reschedulable = s.pods.filter(isReschedulable);
    const c: Candidate = {
      ...s,
      nodePool: np,
      instanceType: s.instanceType,
      price: s.price,
      reschedulablePods: reschedulable,
      disruptionCost: reschedulable.reduce((sum, p) => sum + evictionCost(p), 0) * lifetimeRemaining(s, np, now),
      consolidatable: false,
    };
    const dnd = s.pods.filter((p) => blocksWithDoNotDisrupt(p, now));
    if (dnd.length > 0) {
      const until = podProtection(dnd[0]!, now).until;
      const ends = until !== undefined ? ` (until ${new Date(Math.floor(until / 1000) * 1000).toISOString().replace(".000Z", "Z")})` : "";
      c.podBlock = { kind: "PodDoNotDisrupt", message: `pod ${podName(dnd[0]!)} has the "${DoNotDisruptAnnotation}" annotation${ends}`, pods: dnd.map(podName) };
    } else {
      const pdb = view.pdbs.firstBlocked(s.pods);
      if (pdb) c.podBlock = { kind: "PodDisruptionBudget", message: pdb.message, pods: [podName(pdb.pod)] };
    }
    const at = consolidatableAt(s, np);
    if (at !== undefined) {
      c.consolidatableAt = at;
      c.consolidatable = now >= at;
    }
    candidates.push(c);
  }
  return { candidates, explanations };
}

/** Whether a candidate's blocking pods stop a method of this class. */
export function podsBlock(c: Candidate, eventual: boolean): boolean {
  if (!c.podBlock) return false;
  // Eventual methods go ahead when the drain is bounded: the claim's terminationGracePeriod forces it.
  return !(eventual && c.claim?.spec.terminationGracePeriod !== undefined);
}

/** NodeClaims whose expireAfter has passed since they were created (Karpenter v1: forceful, no budgets). */
export function expiredClaims(view: ClusterView): Expiration[] {
  const out: Expiration[] = [];
  for (const claim of view.input.nodeClaims) {
    if (claim.metadata.deletionTimestamp !== undefined) continue;
    let after: number | undefined;
    try {
      after = parseNillableDuration(claim.spec.expireAfter);
    } catch {
      after = undefined;
    }
    const created = timeOf(claim.metadata.creationTimestamp);
    if (after === undefined || created === undefined) continue;
    const at = created + after;
    if (view.opts.now < at) continue;
    const s = view.byName.get(claim.status?.nodeName ?? "") ?? view.byName.get(claim.metadata.name ?? "");
    out.push({ claim, ...(s?.node && s.claim === claim ? { node: s.node } : {}), expiredAt: at });
  }
  return out;
}

