// Scheduled scale-to-zero, the removing half: inside a NodePool's sleep window its nodes are
// deleted (the drain still honours PodDisruptionBudgets, up to the claim's terminationGracePeriod),
// as many at once as its budgets allow. A node with a karpenter.sh/do-not-disrupt pod (or the
// annotation itself) is left alone, and says so.
import { makeCommand } from "./consolidation.js";
import type { Pass } from "./pass.js";
import { describeSleep, sleepState } from "./sleep.js";
import type { Candidate, Command } from "./types.js";

export function sleepDisruption(pass: Pass, eligible: (n: number) => void, warn: (pool: string, message: string) => void): Command | undefined {
  const asleep = new Map<string, string>();
  for (const np of pass.view.input.nodePools) {
    const s = sleepState(np, pass.opts.now);
    const name = np.metadata.name ?? "";
    if (s.asleep) asleep.set(name, describeSleep(s));
    else if (s.error !== undefined) warn(name, s.error);
  }
  if (asleep.size === 0) return undefined;
  const chosen: Candidate[] = [];
  let count = 0;
  const cands = pass.candidates.filter((c) => asleep.has(c.nodePoolName ?? "")).sort((a, b) => a.disruptionCost - b.disruptionCost || a.name.localeCompare(b.name));
  for (const c of cands) {
    const pool = c.nodePoolName!;
    if (c.podBlock?.kind === "PodDoNotDisrupt") {
      pass.explain(c, "sleep", { kind: "PodDoNotDisrupt", message: `left alone while NodePool "${pool}" is ${asleep.get(pool)}: ${c.podBlock.message}`, pods: c.podBlock.pods });
      continue;
    }
    count++;
    if (pass.remaining("sleep", pool) === 0) {
      pass.explain(c, "sleep", { kind: "Budget", message: `${pass.budgetMessage("sleep", pool)}; NodePool "${pool}" is ${asleep.get(pool)}` });
      continue;
    }
    pass.take("sleep", pool);
    chosen.push(c);
  }
  eligible(count);
  return chosen.length > 0 ? makeCommand("sleep", chosen, []) : undefined;
}
