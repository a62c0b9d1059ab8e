// Single-node consolidation, as Karpenter: candidates cheapest to disrupt first, interleaved across
// NodePools so no pool starves the others; each is simulated alone; the first that can be deleted
// or replaced by a cheaper node is the command. Every candidate looked at and not chosen gets its
// reason. With `exhaustive`, every candidate is looked at and the other commands found are options.
import { computeScoredConsolidation, movesOf } from "./consolidation.js";
import { consolidationCandidates } from "./multinode.js";
import type { Pass } from "./pass.js";
import type { Candidate, Command } from "./types.js";

export const SingleNodeTimeoutMs = 180_000;

/** Cheapest to disrupt first within each pool, pools taking turns. */
export function interleaveByPool(cands: readonly Candidate[]): Candidate[] {
  const byPool = new Map<string, Candidate[]>();
  for (const c of [...cands].sort((a, b) => a.disruptionCost - b.disruptionCost || a.name.localeCompare(b.name))) {
    const pool = c.nodePoolName ?? "";
    let list = byPool.get(pool);
    if (!list) byPool.set(pool, (list = []));
    list.push(c);
  }
  const pools = [...byPool.keys()].sort();
  const out: Candidate[] = [];
  for (let i = 0; out.length < cands.length; i++) for (const p of pools) if (i < byPool.get(p)!.length) out.push(byPool.get(p)![i]!);
  return out;
}

export interface SingleNodeResult {
  command?: Command;
  options: Command[];
  timedOut: boolean;
}

export function singleNode(pass: Pass, eligible: (n: number) => void, exclude: ReadonlySet<string> = new Set(), exhaustive = false): SingleNodeResult {
  const cands = interleaveByPool(consolidationCandidates(pass, "single").filter((c) => !exclude.has(c.name)));
  eligible(cands.length);
  const deadline = pass.elapsed() + (pass.opts.singleNodeTimeoutMs ?? SingleNodeTimeoutMs);
  const ctx = { sim: pass.sim, spotToSpot: pass.opts.spotToSpotConsolidation === true, balanced: pass.balanced };
  const options: Command[] = [];
  let command: Command | undefined;
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i]!;
    if (pass.elapsed() > deadline) {
      for (const rest of cands.slice(i)) pass.explain(rest, "single", { kind: "Timeout", message: `not evaluated: single-node consolidation ran out of time after ${i} of ${cands.length} candidates` });
      return { ...(command ? { command } : {}), options, timedOut: true };
    }
    const pool = c.nodePoolName!;
    if (pass.remaining("single", pool) === 0) {
      pass.explain(c, "single", { kind: "Budget", message: pass.budgetMessage("single", pool) });
      continue;
    }
    const scored = computeScoredConsolidation(ctx, [c], "single");
    pass.moves.push(...movesOf(scored));
    const out = scored.out;
    if (out.command) {
      if (!command) {
        command = out.command;
        if (!exhaustive) break;
      } else options.push(out.command);
    } else pass.explain(c, "single", out.rejection);
  }
  return { ...(command ? { command } : {}), options, timedOut: false };
}
