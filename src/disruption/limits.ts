// Limits enforced downwards: when a NodePool's spec.limits drop below what it runs (to 0, say),
// nodes are removed until it fits again — emptiest first (fewest pods to move), then cheapest —
// within its budgets. Karpenter only stops launching at a limit; nodes with a do-not-disrupt pod
// stay, and say so.
import { makeCommand } from "./consolidation.js";
import type { Pass } from "./pass.js";
import { capacityOf } from "./state.js";
import type { Candidate, Command } from "./types.js";
import { parseResourceList, formatQuantity } from "../core/quantity.js";

function over(limits: Record<string, number>, usage: Record<string, number>): string | undefined {
  for (const [k, limit] of Object.entries(limits)) {
    const used = usage[k] ?? 0;
    if (used > limit) return `${k} ${formatQuantity(used, k)} is over the limit ${formatQuantity(limit, k)}`;
  }
  return undefined;
}

export function limitsDisruption(pass: Pass, eligible: (n: number) => void, warn: (pool: string, message: string) => void): Command | undefined {
  const chosen: Candidate[] = [];
  let count = 0;
  for (const np of pass.view.input.nodePools) {
    if (!np.spec.limits) continue;
    const name = np.metadata.name ?? "";
    let limits: Record<string, number>;
    try {
      limits = parseResourceList(np.spec.limits);
    } catch (err) {
      warn(name, `spec.limits cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const usage: Record<string, number> = { nodes: 0 };
    for (const s of pass.view.stateNodes) {
      if (!s.managed || s.markedForDeletion || s.nodePoolName !== name) continue;
      usage["nodes"]! += 1;
      for (const [k, v] of Object.entries(capacityOf(s))) usage[k] = (usage[k] ?? 0) + v;
    }
    let why = over(limits, usage);
    if (why === undefined) continue;
    const cands = pass.candidates
      .filter((c) => c.nodePoolName === name)
      .sort((a, b) => a.reschedulablePods.length - b.reschedulablePods.length || a.price - b.price || a.name.localeCompare(b.name));
    for (const c of cands) {
      if (why === undefined) break;
      if (c.podBlock?.kind === "PodDoNotDisrupt") {
        pass.explain(c, "limits", { kind: "PodDoNotDisrupt", message: `kept although NodePool "${name}" is over its limits (${why}): ${c.podBlock.message}`, pods: c.podBlock.pods });
        continue;
      }
      count++;
      if (pass.remaining("limits", name) === 0) {
        pass.explain(c, "limits", { kind: "Budget", message: `${pass.budgetMessage("limits", name)}; NodePool "${name}" is over its limits (${why})` });
        continue;
      }
      pass.take("limits", name);
      chosen.push(c);
      usage["nodes"]! -= 1;
      for (const [k, v] of Object.entries(capacityOf(c))) usage[k] = (usage[k] ?? 0) - v;
      why = over(limits, usage);
    }
  }
  eligible(count);
  return chosen.length > 0 ? makeCommand("limits", chosen, []) : undefined;
}
