// One disruption pass's shared working state: the cluster view, the candidates, what the budgets
// still allow per NodePool and reason, the simulator (made on first use) and the explanations
// gathered so far.
import { type DisruptionReason, isStaticNodePool } from "../apis/nodepool.js";
import { type PoolBudget, allowedDisruptions } from "./budgets.js";
import { type CandidateSet, buildCandidates, consolidateAfterMs, explanation, podsBlock } from "./candidates.js";
import type { Rejection } from "./consolidation.js";
import { Simulator } from "./simulate.js";
import { type PoolTotals, balancedTotals } from "./balanced.js";
import { ClusterView } from "./state.js";
import type { Candidate, ConsolidationMove, DisruptionInput, DisruptionOptions, DriftState, Explanation, Method } from "./types.js";
import { MethodInfos } from "./types.js";
import { formatDuration } from "../apis/duration.js";

/** The budget key of tenon's own methods, which every active budget applies to. */
export const AllReasons = "All";
export type BudgetKey = DisruptionReason | typeof AllReasons;
const BudgetKeys: readonly BudgetKey[] = ["Drifted", "Empty", "Underutilized", AllReasons];

export const consolidationEvent = (m: Method | undefined): Explanation["event"] =>
  m === "emptiness" || m === "multi" || m === "single" ? "Unconsolidatable" : "DisruptionBlocked";

export class Pass {
  readonly view: ClusterView;
  private readonly all: Candidate[];
  /** Nodes already in a command of this pass (the chosen one, or options in exhaustive mode). */
  readonly taken = new Set<string>();
  readonly explanations: Explanation[];
  readonly budgets = new Map<BudgetKey, Map<string, PoolBudget>>();
  readonly drift = new Map<string, DriftState>();
  /** Consolidation moves scored (or passed through unscored) by the consolidation methods. */
  readonly moves: ConsolidationMove[] = [];
  /** Claim names this pass expires (deleted regardless of budgets; not candidates for anything else). */
  readonly expiring: Set<string>;
  private simulator?: Simulator;
  private balancedTotals?: Map<string, PoolTotals>;
  private readonly seen = new Set<string>();
  readonly elapsed: () => number;

  constructor(input: DisruptionInput, readonly opts: DisruptionOptions, expiring: Set<string> = new Set()) {
    // Claims expiring this pass are as good as deleted: no simulation may count on their room, and
    // their pods need a place like those of any node on its way out (read as if in progress).
    this.view = new ClusterView(input, opts, expiring);
    this.expiring = expiring;
    const set: CandidateSet = buildCandidates(this.view);
    this.all = set.candidates.filter((c) => !expiring.has(ClusterView.claimName(c)));
    this.explanations = [];
    for (const e of set.explanations) this.add(e);
    this.elapsed = opts.elapsed ?? (() => 0);
    this.computeBudgets();
  }

  /** The candidates not yet in a command of this pass. */
  get candidates(): Candidate[] {
    return this.taken.size === 0 ? this.all : this.all.filter((c) => !this.taken.has(c.name));
  }

  /** Every candidate, including those already in a command. */
  get allCandidates(): readonly Candidate[] {
    return this.all;
  }

  get sim(): Simulator {
    if (!this.simulator) this.simulator = new Simulator(this.view, this.opts.scheduling);
    return this.simulator;
  }

  /** Totals of the Balanced pools, from every candidate of the pass (made on first use). */
  get balanced(): ReadonlyMap<string, PoolTotals> {
    if (!this.balancedTotals) this.balancedTotals = balancedTotals(this.view, this.all);
    return this.balancedTotals;
  }

  get simulations(): number {
    return this.simulator?.simulations ?? 0;
  }

  private computeBudgets(): void {
    const nodes = new Map<string, number>();
    const disrupting = new Map<string, number>();
    for (const s of this.view.stateNodes) {
      if (!s.managed || !s.initialized || !s.node || s.nodePoolName === undefined) continue;
      const pool = s.nodePoolName;
      nodes.set(pool, (nodes.get(pool) ?? 0) + 1);
      if (!s.ready || s.markedForDeletion || this.expiring.has(ClusterView.claimName(s))) disrupting.set(pool, (disrupting.get(pool) ?? 0) + 1);
    }
    for (const key of BudgetKeys) {
      const m = new Map<string, PoolBudget>();
      for (const np of this.view.input.nodePools) {
        const name = np.metadata.name ?? "";
        const n = nodes.get(name) ?? 0;
        const d = disrupting.get(name) ?? 0;
        const allowed = allowedDisruptions(np, n, key === AllReasons ? undefined : key, this.opts.now);
        m.set(name, { nodePool: name, nodes: n, disrupting: d, allowed, remaining: Math.max(0, allowed - d) });
      }
      this.budgets.set(key, m);
    }
  }

  budgetKey(method: Method): BudgetKey {
    return MethodInfos[method].budgetReason ?? AllReasons;
  }

  remaining(method: Method, pool: string): number {
    return this.budgets.get(this.budgetKey(method))?.get(pool)?.remaining ?? 0;
  }

  /** Uses one disruption of the pool's budget for the method's reason. */
  take(method: Method, pool: string): void {
    const b = this.budgets.get(this.budgetKey(method))?.get(pool);
    if (b && b.remaining > 0) b.remaining--;
  }

  budgetMessage(method: Method, pool: string): string {
    const b = this.budgets.get(this.budgetKey(method))?.get(pool);
    const reason = MethodInfos[method].budgetReason;
    const what = reason ? `disruption reason ${reason}` : "disruptions";
    if (!b || b.allowed === 0) return `No allowed ${what} in NodePool "${pool}" due to blocking budget`;
    // What this pass's own commands took, once the nodes already disrupting are counted.
    const taken = Math.max(0, b.allowed - b.disrupting) - b.remaining;
    if (taken > 0) return `NodePool "${pool}" budget for ${what} is used up: ${b.disrupting} already disrupting and ${taken} more in this pass, of ${b.allowed} allowed`;
    return `NodePool "${pool}" budget for ${what} is used up: ${b.disrupting} of ${b.allowed} allowed node${b.allowed === 1 ? " is" : "s are"} already disrupting`;
  }

  /** Records why a node was not disrupted (once per node, kind and message). */
  add(e: Explanation): void {
    const key = `${e.node}\u0000${e.kind}\u0000${e.method ?? ""}\u0000${e.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.explanations.push(e);
  }

  explain(c: Candidate, method: Method, r: Rejection): void {
    this.add(explanation(c, { method, kind: r.kind, message: r.message, event: consolidationEvent(method), ...(r.pods ? { pods: r.pods } : {}) }));
  }

  hasExplanation(node: string, method?: Method): boolean {
    return this.explanations.some((e) => e.node === node && (method === undefined || e.method === method));
  }

  /**
   * Why consolidation (any of its methods) may not touch the candidate now, if so: consolidation
   * off, blocking pods, consolidateAfter not passed, or (for a node with pods) WhenEmpty.
   */
  consolidationBlock(c: Candidate, nonEmpty: boolean): Rejection | undefined {
    const name = c.nodePool.metadata.name ?? "";
    // Karpenter: a static pool's consolidationPolicy and consolidateAfter are ignored, its nodes never consolidated.
    if (isStaticNodePool(c.nodePool)) return { kind: "ConsolidationDisabled", message: `NodePool "${name}" is static (spec.replicas): its nodes are not consolidated` };
    const after = consolidateAfterMs(c.nodePool);
    if (after === undefined) return { kind: "ConsolidationDisabled", message: `NodePool "${name}" has consolidation disabled` };
    if (podsBlock(c, false)) return { kind: c.podBlock!.kind, message: c.podBlock!.message, pods: c.podBlock!.pods };
    if (nonEmpty && c.nodePool.spec.disruption.consolidationPolicy === "WhenEmpty") return { kind: "WhenEmpty", message: `NodePool "${name}" has non-empty consolidation disabled` };
    if (!c.consolidatable) {
      return {
        kind: "ConsolidateAfter",
        message: `consolidateAfter ${formatDuration(after)} has not passed since the node's last pod event; consolidatable at ${new Date(c.consolidatableAt!).toISOString()}`,
      };
    }
    return undefined;
  }
}
