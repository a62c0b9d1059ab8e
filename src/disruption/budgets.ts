// Disruption budgets, exactly as Karpenter v1 reads them (NodePool.GetAllowedDisruptionsByReason):
// each budget is active always, or while its cron schedule (UTC) + duration window is open; an
// active budget allows `nodes` — a count, or a percentage of the NodePool's nodes rounded up (as
// Kubernetes rounds maxUnavailable); a budget with `reasons` only applies to those reasons; the
// most restrictive active budget wins, and a budget that cannot be read allows nothing (fail
// closed). What may still start now is that number less the nodes already disrupting.
import { parseDuration } from "../apis/duration.js";
import type { Budget, DisruptionReason, NodePool } from "../apis/nodepool.js";
import { windowOpen } from "./cron.js";

/** Unbounded (Karpenter's MaxInt32). */
export const Unbounded = 2_147_483_647;

/** Whether the budget is active at `now` (throws for a schedule or duration that cannot be read). */
export function budgetActive(b: Budget, now: number): boolean {
  if (b.schedule === undefined && b.duration === undefined) return true;
  if (b.schedule === undefined || b.duration === undefined) throw new Error("a budget's schedule and duration must be set together");
  return windowOpen({ schedule: b.schedule, durationMs: parseDuration(b.duration), timeZone: "UTC" }, now);
}

/** The nodes a budget's `nodes` allows out of `numNodes`: a count, or a percentage rounded up. */
export function scaledNodes(nodes: string, numNodes: number): number {
  const pct = /^(\d+)%$/.exec(nodes);
  if (pct) return Math.ceil((Number(pct[1]) * numNodes) / 100);
  if (/^\d+$/.test(nodes)) return Number(nodes);
  throw new Error(`budget nodes "${nodes}" is neither a count nor a percentage`);
}

/** What one budget allows now (Unbounded when inactive, 0 when it cannot be read). */
export function budgetAllows(b: Budget, numNodes: number, now: number): number {
  try {
    return budgetActive(b, now) ? scaledNodes(b.nodes, numNodes) : Unbounded;
  } catch {
    return 0;
  }
}

/**
 * How many of the pool's nodes may be disrupting at once for `reason` right now. `reason`
 * undefined means every active budget applies, whatever its reasons (used by tenon's own methods,
 * sleep windows and limits, which Karpenter's reasons do not name).
 */
export function allowedDisruptions(nodePool: NodePool, numNodes: number, reason: DisruptionReason | undefined, now: number): number {
  let allowed = Unbounded;
  for (const b of nodePool.spec.disruption.budgets) {
    if (reason !== undefined && b.reasons !== undefined && !b.reasons.includes(reason)) continue;
    allowed = Math.min(allowed, budgetAllows(b, numNodes, now));
  }
  return allowed;
}

/** The budget that decides `allowedDisruptions` (for messages), if any budget limits it. */
export function decidingBudget(nodePool: NodePool, numNodes: number, reason: DisruptionReason | undefined, now: number): { index: number; budget: Budget; allows: number } | undefined {
  let best: { index: number; budget: Budget; allows: number } | undefined;
  nodePool.spec.disruption.budgets.forEach((b, index) => {
    if (reason !== undefined && b.reasons !== undefined && !b.reasons.includes(reason)) return;
    const allows = budgetAllows(b, numNodes, now);
    if (allows < Unbounded && (!best || allows < best.allows)) best = { index, budget: b, allows };
  });
  return best;
}

export interface PoolBudget {
  nodePool: string;
  /** Managed, initialized nodes of the pool (what percentages are of). */
  nodes: number;
  /** Nodes of the pool already disrupting (deleting, tainted, NotReady, or in a command). */
  disrupting: number;
  /** What the budgets allow in total. */
  allowed: number;
  /** What may start now: allowed − disrupting, never below zero. */
  remaining: number;
}

export function describeBudget(b: Budget): string {
  const when = b.schedule !== undefined ? ` during "${b.schedule}" for ${b.duration}` : "";
  const reasons = b.reasons !== undefined ? ` for ${b.reasons.join(", ")}` : "";
  return `budget nodes=${b.nodes}${reasons}${when}`;
}
