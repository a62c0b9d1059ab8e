// Multi-node consolidation, as Karpenter: the consolidatable candidates, cheapest to disrupt first
// and within the Underutilized budget, at most 100; a binary search for the longest prefix that can
// go at once (deleted, or replaced by one cheaper node), keeping the best found when time runs out.
import { computeConsolidation, filterOutSameType, scoreBalanced } from "./consolidation.js";
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
  let best: Command | undefined;
  const ctx = { sim: pass.sim, spotToSpot: pass.opts.spotToSpotConsolidation === true, balanced: pass.balanced };
  while (lo <= hi) {
    if (pass.elapsed() > deadline) return { ...(best ? { command: best } : {}), timedOut: true };
    const mid = Math.floor((lo + hi) / 2);
    const prefix = within.slice(0, mid + 1);
    const out = computeConsolidation(ctx, prefix, "multi");
    let cmd = out.command;
    if (cmd && cmd.decision === "replace") {
      const narrowed = filterOutSameType(cmd.replacements[0]!, prefix);
      cmd = narrowed ? { ...cmd, replacements: [narrowed], replacementPricePerHour: narrowed.pricePerHour, savingsPerHour: cmd.pricePerHour - narrowed.pricePerHour } : undefined;
      // Narrowing changed the savings: the Balanced score is taken again on what will be done.
      if (cmd) cmd = scoreBalanced(ctx, { command: cmd }).command;
    }
    if (cmd) {
      best = cmd;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return { ...(best ? { command: best } : {}), timedOut: false };
}
