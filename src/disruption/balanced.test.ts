import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { T0, clusterInput, managedNode, nodePool, pod, standardTypes, planChecked } from "../../test/kit/disruption.js";
import { MinSavingsAnnotation } from "./annotations.js";
import { BalancedK, rescheduleDisruptionCost, scoreMove } from "./balanced.js";
import type { DisruptionOptions, DisruptionPlan } from "./types.js";

const types = standardTypes(); // c.1x $0.05, c.2x $0.10, c.4x $0.20, c.8x $0.40, c.16x $0.80
const [c2, c4, c8] = [types[1]!, types[2]!, types[3]!];
const opts: DisruptionOptions = { now: T0, exhaustive: true };
const explanationOf = (plan: DisruptionPlan, node: string) => plan.explanations.find((e) => e.node === node && e.kind !== "NotEvaluated" && e.method === "single");

describe("Balanced scoring (Karpenter's formula, k = 2)", () => {
  const cases: { name: string; savings: number; disruption: number; cost: number; total: number; approved: boolean; score: number }[] = [
    { name: "saving half the cost for a quarter of the disruption", savings: 0.5, disruption: 1, cost: 1, total: 4, approved: true, score: 2 },
    { name: "exactly at the threshold is approved", savings: 0.25, disruption: 2, cost: 1, total: 4, approved: true, score: 0.5 },
    { name: "a tenth of the cost for half the disruption is not worth it", savings: 0.1, disruption: 2, cost: 1, total: 4, approved: false, score: 0.2 },
    { name: "no savings, no approval", savings: 0, disruption: 1, cost: 1, total: 4, approved: false, score: 0 },
    { name: "a pool with no cost approves nothing", savings: 1, disruption: 1, cost: 0, total: 4, approved: false, score: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = scoreMove(c.savings, c.disruption, { cost: c.cost, disruption: c.total });
      assert.equal(s.threshold, 1 / BalancedK);
      assert.equal(s.approved, c.approved);
      assert.ok(Math.abs(s.score - c.score) < 1e-9, `${s.score}`);
    });
  }

  it("a node's disruption is 1 plus the eviction cost of each pod that must move", () => {
    assert.equal(rescheduleDisruptionCost([]), 1);
    assert.equal(rescheduleDisruptionCost([pod("a"), pod("b")]), 3);
  });
});

describe("consolidationPolicy: Balanced", () => {
  // Four c.4x nodes: "n" holds four small pods (1.5 cpu) that a c.1x could take, saving $0.15 of
  // the pool's $0.80; the three others are full. Moving n's pods is 5 of the pool's 11 units of
  // disruption: a score of (0.15/0.8) / (5/11) = 0.41, under the 0.5 Balanced asks for.
  const cluster = (policy: "Balanced" | "WhenEmptyOrUnderutilized", annotations: Record<string, string> = {}) => {
    const np = nodePool("p", { consolidationPolicy: policy, budgets: [{ nodes: "100%" }], annotations });
    const nodes = [managedNode("n", { pool: np, type: c4 }), ...["f1", "f2", "f3"].map((x) => managedNode(x, { pool: np, type: c4 }))];
    const pods = [
      ...["1", "2", "3", "4"].map((i) => pod(`small-${i}`, { node: "n", cpu: "375m" })),
      ...["f1", "f2", "f3"].map((x) => pod(`full-${x}`, { node: x, cpu: "3500m" })),
    ];
    return clusterInput({ pools: [np], nodes, pods });
  };

  it("WhenEmptyOrUnderutilized takes the cheaper replacement", () => {
    const plan = planChecked(cluster("WhenEmptyOrUnderutilized"), opts);
    assert.equal(plan.command?.decision, "replace");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["n"]);
  });

  it("Balanced keeps the node: the saving is not worth moving four pods, and says so with the score", () => {
    const plan = planChecked(cluster("Balanced"), opts);
    assert.equal(plan.command, undefined);
    const e = explanationOf(plan, "n")!;
    assert.equal(e.kind, "BalancedScore");
    assert.equal(e.event, "Unconsolidatable");
    assert.match(e.message, /^NodePool "p" is Balanced: the move saves 18\.8% of the pool's cost for 45\.5% of its disruption, a score of 0\.41 below the 0\.50 it needs$/);
  });

  it("Balanced takes a move worth its disruption: one pod off a node that costs twice its replacement", () => {
    const np = nodePool("p", { consolidationPolicy: "Balanced", budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("big", { pool: np, type: c8 }), managedNode("busy", { pool: np, type: c4 })];
    const pods = [pod("one", { node: "big", cpu: "1500m" }), ...["1", "2", "3"].map((i) => pod(`b-${i}`, { node: "busy", cpu: "1100m" }))];
    // Saves $0.20 (c.8x → c.4x or c.2x) of $0.60 for 2 of 6 units: score (1/3)/(1/3) ≥ 0.5.
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), opts);
    assert.equal(plan.command?.decision, "replace");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["big"]);
    assert.equal(plan.command?.replacements[0]?.planned.instanceTypes[0]?.name, c2.name);
  });

  it("Balanced still deletes empty nodes (emptiness is not scored)", () => {
    const np = nodePool("p", { consolidationPolicy: "Balanced" });
    const plan = planChecked(clusterInput({ pools: [np], nodes: [managedNode("idle", { pool: np, type: c4 }), managedNode("used", { pool: np, type: c4 })], pods: [pod("x", { node: "used", cpu: "3" })] }), { now: T0 });
    assert.equal(plan.command?.method, "emptiness");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["idle"]);
  });

  it("composes with tenon.sh/consolidation-min-savings: a move must pass both", () => {
    // Balanced would take the c.8x → c.2x move above (saving 75%); an 80% minimum refuses it first.
    const np = nodePool("p", { consolidationPolicy: "Balanced", budgets: [{ nodes: "100%" }], annotations: { [MinSavingsAnnotation]: "80%" } });
    const nodes = [managedNode("big", { pool: np, type: c8 }), managedNode("busy", { pool: np, type: c4 })];
    const pods = [pod("one", { node: "big", cpu: "1500m" }), ...["1", "2", "3"].map((i) => pod(`b-${i}`, { node: "busy", cpu: "1100m" }))];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), opts);
    assert.equal(explanationOf(plan, "big")?.kind, "BelowMinSavings");
    // What passes both: deleting "busy" onto big's free room saves all its price (1/3 of the pool's)
    // for 4 of 6 units of disruption, a score of exactly 0.5.
    assert.equal(plan.command?.decision, "delete");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["busy"]);
    // And a minimum the move meets leaves the Balanced score to decide: here it refuses.
    const both = planChecked(cluster("Balanced", { [MinSavingsAnnotation]: "20%" }), opts);
    assert.equal(both.command, undefined);
    assert.equal(explanationOf(both, "n")?.kind, "BalancedScore");
  });
});
