// consolidationPolicy: Balanced (Karpenter v1.14): a consolidation move is taken only when what it
// saves, as a share of its NodePool's cost, is worth what it disrupts, as a share of the pool's
// disruption: score = (savings / pool cost) / (disruption / pool disruption), approved when
// score ≥ 1/k with Karpenter's k = 2. A node's disruption is 1 (draining it at all) plus the
// eviction cost of each pod that must move. Emptiness is not scored: deleting an empty node costs
// nothing and saves its price. Pure, like the rest of the disruption core.
import { isReschedulable, evictionCost } from "./pods.js";
import type { Candidate, Command } from "./types.js";
import type { ClusterView } from "./state.js";

/** Karpenter's BalancedK: approved at a score of 1/k = 0.5. */
export const BalancedK = 2;
/** Karpenter's PerNodeBaseDisruptionCost: cordon, drain, API calls, replacement latency. */
export const PerNodeBaseDisruptionCost = 1;

export interface PoolTotals {
  /** What the pool's candidate nodes cost per hour (Karpenter's total when it has no cluster cost). */
  cost: number;
  /** The disruption cost of every node of the pool, candidates or not. */
  disruption: number;
}

export interface Score {
  savingsFraction: number;
  disruptionFraction: number;
  score: number;
  threshold: number;
  approved: boolean;
}

/** 1 + Σ max(0, eviction cost) over the pods that would have to move. */
export function rescheduleDisruptionCost(pods: readonly Parameters<typeof evictionCost>[0][]): number {
  return pods.reduce((sum, p) => sum + Math.max(0, evictionCost(p)), PerNodeBaseDisruptionCost);
}

export const isBalanced = (c: Pick<Candidate, "nodePool">): boolean => c.nodePool.spec.disruption.consolidationPolicy === "Balanced";

/** Totals of each Balanced pool among the candidates: costs from the candidates, disruption from all its nodes. */
export function balancedTotals(view: ClusterView, candidates: readonly Candidate[]): Map<string, PoolTotals> {
  const out = new Map<string, PoolTotals>();
  const byName = new Map<string, Candidate>();
  for (const c of candidates) {
    if (!isBalanced(c)) continue;
    byName.set(c.name, c);
    const pool = c.nodePoolName ?? "";
    const t = out.get(pool) ?? { cost: 0, disruption: 0 };
    t.cost += c.price;
    out.set(pool, t);
  }
  for (const s of view.stateNodes) {
    const t = s.nodePoolName === undefined ? undefined : out.get(s.nodePoolName);
    if (!t) continue;
    const c = byName.get(s.name);
    t.disruption += rescheduleDisruptionCost(c ? c.reschedulablePods : s.pods.filter(isReschedulable));
  }
  return out;
}

export function scoreMove(savings: number, disruption: number, totals: PoolTotals | undefined, k = BalancedK): Score {
  const threshold = 1 / k;
  // Nothing to normalise against: Karpenter's zero result, which approves nothing.
  if (!totals || totals.cost <= 0 || totals.disruption <= 0) return { savingsFraction: 0, disruptionFraction: 0, score: 0, threshold, approved: false };
  const savingsFraction = savings / totals.cost;
  const disruptionFraction = disruption / totals.disruption;
  const score = savingsFraction <= 0 ? 0 : disruptionFraction === 0 ? Infinity : savingsFraction / disruptionFraction;
  return { savingsFraction, disruptionFraction, score, threshold, approved: score >= threshold };
}

/**
 * Scores a command for each Balanced pool among its candidates (the others are not scored); it is
 * approved when every one approves. A move across pools credits each pool with its share of the
 * savings, in proportion to what its candidates cost.
 */
export function evaluateBalanced(cmd: Pick<Command, "candidates" | "savingsPerHour" | "pricePerHour">, totals: ReadonlyMap<string, PoolTotals>): { approved: boolean; scores: Map<string, Score> } {
  const byPool = new Map<string, Candidate[]>();
  for (const c of cmd.candidates) {
    if (!isBalanced(c)) continue;
    const pool = c.nodePoolName ?? "";
    byPool.set(pool, [...(byPool.get(pool) ?? []), c]);
  }
  const pools = new Set(cmd.candidates.map((c) => c.nodePoolName ?? ""));
  const scores = new Map<string, Score>();
  let approved = true;
  for (const [pool, cands] of byPool) {
    const poolCost = cands.reduce((s, c) => s + c.price, 0);
    const savings = pools.size > 1 && cmd.pricePerHour > 0 ? cmd.savingsPerHour * (poolCost / cmd.pricePerHour) : cmd.savingsPerHour;
    const disruption = cands.reduce((s, c) => s + rescheduleDisruptionCost(c.reschedulablePods), 0);
    const score = scoreMove(savings, disruption, totals.get(pool));
    scores.set(pool, score);
    approved &&= score.approved;
  }
  return { approved, scores };
}

const pct = (f: number): string => `${(f * 100).toFixed(1)}%`;

/** Why a Balanced pool refused the move, in words a user can check against their pool. */
export function balancedRejection(pool: string, s: Score): string {
  return `NodePool "${pool}" is Balanced: the move saves ${pct(s.savingsFraction)} of the pool's cost for ${pct(s.disruptionFraction)} of its disruption, a score of ${s.score.toFixed(2)} below the ${s.threshold.toFixed(2)} it needs`;
}
