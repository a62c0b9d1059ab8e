// Emptiness: nodes without pods that need a new home are deleted, all at once within the Empty
// budget, for both consolidation policies (zero rescheduling cost).
import { makeCommand } from "./consolidation.js";
import type { Pass } from "./pass.js";
import type { Candidate, Command } from "./types.js";

export function emptiness(pass: Pass, eligible: (n: number) => void): Command | undefined {
  const empty: Candidate[] = [];
  const candidates = pass.candidates.filter((c) => c.reschedulablePods.length === 0);
  let count = 0;
  for (const c of [...candidates].sort((a, b) => a.disruptionCost - b.disruptionCost || a.name.localeCompare(b.name))) {
    const block = pass.consolidationBlock(c, false);
    if (block) {
      pass.explain(c, "emptiness", block);
      continue;
    }
    count++;
    const pool = c.nodePoolName!;
    if (pass.remaining("emptiness", pool) === 0) {
      pass.explain(c, "emptiness", { kind: "Budget", message: pass.budgetMessage("emptiness", pool) });
      continue;
    }
    pass.take("emptiness", pool);
    empty.push(c);
  }
  eligible(count);
  return empty.length > 0 ? makeCommand("emptiness", empty, []) : undefined;
}
