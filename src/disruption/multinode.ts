// Multi-node consolidation, as Karpenter: the consolidatable candidates, cheapest to disrupt first
// and within the Underutilized budget, at most 100; a binary search for the longest prefix that can
// go at once (deleted, or replaced by one cheaper node), keeping the best found when time runs out.
import { type ScoredMove, computeConsolidation, filterOutSameType, movesOf, scoredMove } from "./consolidation.js";
import type { Pass } from "./pass.js";
import type { Candidate, Command } from "./types.js";

export const MultiNodeTimeoutMs = 60_000;
export const MaxMultiNodeCandidates = 100;

/** Candidates every consolidation method may consider (with the explanations of those it may not). */
export function consolidationCandidates(pass: Pass, method: "multi" | "single"): Candidate[] {
  const out: Candidate[] = [];
  for (const c of pass.candidates) {
    if (c.reschedulablePods.length === 0) continue; // emptiness' business
    const block = pass.consolidationBlock(c, true);
    if (block) pass.explain(c, method, block);
    else out.push(c);
  }
  return out;
}

export function multiNode(pass: Pass, eligible: (n: number) => void): { command?: Command; timedOut: boolean } {
  const all = consolidationCandidates(pass, "multi").sort((a, b) => a.disruptionCost - b.disruptionCost || a.name.localeCompare(b.name));
  eligible(all.length);
  const remaining = new Map<string, number>();
  const within: Candidate[] = [];
  for (const c of all) {
    const pool = c.nodePoolName!;
    const left = remaining.get(pool) ?? pass.remaining("multi", pool);
    if (left === 0) continue;
    remaining.set(pool, left - 1);
    within.push(c);
  }
  const max = Math.min(within.length, pass.opts.maxMultiNodeCandidates ?? MaxMultiNodeCandidates);
  if (max < 2) return { timedOut: false };
  const deadline = pass.elapsed() + (pass.opts.multiNodeTimeoutMs ?? MultiNodeTimeoutMs);
  let lo = 1;
  let hi = max - 1;
  let best: ScoredMove | undefined;
  // The last move Balanced scoring refused: counted once, when the search finds nothing better.
  let refused: ScoredMove | undefined;
  const ctx = { sim: pass.sim, spotToSpot: pass.opts.spotToSpotConsolidation === true, balanced: pass.balanced };
  // Found unscored, then narrowed, then scored: the score is of what would be done, as Karpenter's.
  const unscored = { ...ctx, balanced: undefined };
  const done = (timedOut: boolean) => {
    if (best) pass.moves.push(...movesOf(best, true));
    else if (refused && !timedOut) pass.moves.push(...movesOf(refused, false));
    return { ...(best?.out.command ? { command: best.out.command } : {}), timedOut };
  };
  while (lo <= hi) {
    if (pass.elapsed() > deadline) return done(true);
    const mid = Math.floor((lo + hi) / 2);
    const prefix = within.slice(0, mid + 1);
    let cmd = computeConsolidation(unscored, prefix, "multi").command;
    if (cmd && cmd.decision === "replace") {
      const narrowed = filterOutSameType(cmd.replacements[0]!, prefix);
      cmd = narrowed ? { ...cmd, replacements: [narrowed], replacementPricePerHour: narrowed.pricePerHour, savingsPerHour: cmd.pricePerHour - narrowed.pricePerHour } : undefined;
    }
    const scored = cmd ? scoredMove(ctx, { command: cmd }) : undefined;
    if (scored?.out.command) {
      best = scored;
      lo = mid + 1;
    } else {
      if (scored) refused = scored;
      hi = mid - 1;
    }
  }
  return done(false);
}
