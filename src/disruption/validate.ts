// Re-validation of a command before it is carried out (Karpenter waits 15 s after computing a
// consolidation, then checks it still holds, so a burst of pod churn does not act on a stale
// picture): the same nodes are still candidates for the same method, the budgets still allow them,
// and — for consolidation — a fresh simulation still deletes them, or replaces them for no more
// than before.
import { podsBlock } from "./candidates.js";
import { type ConsolidationContext, computeConsolidation, filterOutSameType } from "./consolidation.js";
import { Pass } from "./pass.js";
import { sleepState } from "./sleep.js";
import { ClusterView } from "./state.js";
import type { Candidate, Command, DisruptionInput, DisruptionOptions } from "./types.js";
import { driftOf } from "./drift.js";

/**
 * Karpenter's kinds of failed validation: a candidate that changed (churn), a budget (or a
 * nomination) that no longer allows it, or a simulation that no longer comes out the same.
 */
export type ValidationFailure = "churn" | "budget" | "scheduling";

export type Validation = { valid: true; command: Command } | { valid: false; reason: string; kind: ValidationFailure };

export interface ValidateOptions {
  /** Re-run the consolidation simulation (default true). */
  simulate?: boolean;
  /**
   * Only check that the nodes are still there and nothing now blocks taking them (do-not-disrupt,
   * and for graceful methods a PodDisruptionBudget): the last look before tainting, once the
   * replacements are up. Budgets, emptiness and consolidateAfter are not re-checked then.
   */
  blockersOnly?: boolean;
}

/**
 * Checks `cmd` against a fresh snapshot. `input.inProgress` must not contain the command's own
 * candidates (they would read as already disrupting).
 */
export function validateCommand(cmd: Command, input: DisruptionInput, opts: DisruptionOptions, vopts: ValidateOptions = {}): Validation {
  const pass = new Pass(input, opts);
  const byName = new Map(pass.candidates.map((c) => [c.name, c]));
  const fresh: Candidate[] = [];
  for (const old of cmd.candidates) {
    const c = byName.get(old.name);
    if (!c) {
      const why = pass.explanations.find((e) => e.node === old.name);
      return { valid: false, kind: "churn", reason: `node ${old.name} is no longer a candidate${why ? `: ${why.message}` : " (it is gone or already being disrupted)"}` };
    }
    const block = vopts.blockersOnly ? blockerOnly(cmd, c) : candidateBlock(pass, cmd, c);
    if (block !== undefined) return { valid: false, kind: "churn", reason: `node ${old.name}: ${block}` };
    fresh.push(c);
  }
  if (vopts.blockersOnly) return { valid: true, command: { ...cmd, candidates: fresh } };
  const perPool = new Map<string, number>();
  for (const c of fresh) perPool.set(c.nodePoolName!, (perPool.get(c.nodePoolName!) ?? 0) + 1);
  for (const [pool, n] of perPool) {
    if (pass.remaining(cmd.method, pool) < n) return { valid: false, kind: "budget", reason: pass.budgetMessage(cmd.method, pool) };
  }
  if ((cmd.method === "multi" || cmd.method === "single") && vopts.simulate !== false) {
    const ctx: ConsolidationContext = { sim: pass.sim, spotToSpot: opts.spotToSpotConsolidation === true, balanced: pass.balanced };
    const out = computeConsolidation(ctx, fresh, cmd.method);
    let next = out.command;
    if (next && next.decision === "replace" && cmd.method === "multi") {
      const narrowed = filterOutSameType(next.replacements[0]!, fresh);
      next = narrowed ? { ...next, replacements: [narrowed], replacementPricePerHour: narrowed.pricePerHour, savingsPerHour: next.pricePerHour - narrowed.pricePerHour } : undefined;
    }
    if (!next) return { valid: false, kind: "scheduling", reason: `consolidation no longer holds: ${out.rejection?.message ?? "the replacement is no longer cheaper"}` };
    if (cmd.decision === "delete" && next.decision !== "delete") return { valid: false, kind: "scheduling", reason: "the nodes can no longer be deleted without a replacement" };
    if (next.decision === "replace" && next.replacementPricePerHour > cmd.replacementPricePerHour + 1e-9) {
      return { valid: false, kind: "scheduling", reason: `the replacement would now cost ${next.replacementPricePerHour.toFixed(4)}/hour, more than the ${cmd.replacementPricePerHour.toFixed(4)}/hour planned` };
    }
    return { valid: true, command: next };
  }
  return { valid: true, command: { ...cmd, candidates: fresh } };
}

function blockerOnly(cmd: Command, c: Candidate): string | undefined {
  const eventual = cmd.method === "drift" || cmd.method === "sleep" || cmd.method === "limits";
  if (cmd.method === "sleep" || cmd.method === "limits") return c.podBlock?.kind === "PodDoNotDisrupt" ? c.podBlock.message : undefined;
  return podsBlock(c, eventual) ? c.podBlock!.message : undefined;
}

/** Why the fresh candidate no longer qualifies for the command's method, or undefined. */
function candidateBlock(pass: Pass, cmd: Command, c: Candidate): string | undefined {
  switch (cmd.method) {
    case "emptiness":
      if (c.reschedulablePods.length > 0) return `it is no longer empty (${c.reschedulablePods.length} pods)`;
      return pass.consolidationBlock(c, false)?.message;
    case "multi":
    case "single":
      if (c.reschedulablePods.length === 0 && cmd.candidates.find((o) => o.name === c.name)?.reschedulablePods.length !== 0) return undefined;
      return pass.consolidationBlock(c, true)?.message;
    case "drift": {
      const claim = c.claim;
      const np = c.nodePool;
      if (claim && driftOf(claim, np, pass.view.input.cloudDrift?.get(ClusterView.claimName(c))).reason === undefined) return "it is no longer drifted";
      return podsBlock(c, true) ? c.podBlock!.message : undefined;
    }
    case "sleep":
      if (!sleepState(c.nodePool, pass.opts.now).asleep) return `NodePool "${c.nodePoolName}" is no longer in a sleep window`;
      return c.podBlock?.kind === "PodDoNotDisrupt" ? c.podBlock.message : undefined;
    case "limits":
      return c.podBlock?.kind === "PodDoNotDisrupt" ? c.podBlock.message : undefined;
  }
}
