// The consolidation moves a pass reports, as Karpenter counts them in
// karpenter_consolidation_moves_total and karpenter_consolidation_score.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { T0, clusterInput, managedNode, nodePool, pod, standardTypes, planChecked } from "../../test/kit/disruption.js";
import type { Score } from "./balanced.js";
import { movesOf } from "./consolidation.js";
import type { Candidate, Command, ConsolidationMove } from "./types.js";

const types = standardTypes(); // c.1x $0.05, c.2x $0.10, c.4x $0.20, c.8x $0.40, c.16x $0.80
const [c4, c8] = [types[2]!, types[3]!];
const r2 = (x: number) => Math.round(x * 100) / 100;
const rounded = (moves: readonly ConsolidationMove[]) => moves.map((m) => (m.score ? { ...m, score: { value: r2(m.score.value), decision: m.score.decision } } : m));

describe("consolidation moves", () => {
  const crowded = (policy: "Balanced" | "WhenEmptyOrUnderutilized") => {
    // "n" could go to a c.1x, but for Balanced moving its four pods is not worth the saving (0.41).
    const np = nodePool("p", { consolidationPolicy: policy, budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("n", { pool: np, type: c4 }), ...["f1", "f2", "f3"].map((x) => managedNode(x, { pool: np, type: c4 }))];
    const pods = [...["1", "2", "3", "4"].map((i) => pod(`small-${i}`, { node: "n", cpu: "375m" })), ...["f1", "f2", "f3"].map((x) => pod(`full-${x}`, { node: x, cpu: "3500m" }))];
    return clusterInput({ pools: [np], nodes, pods });
  };

  it("a single-node move Balanced refuses is counted rejected, with its score", () => {
    const plan = planChecked(crowded("Balanced"), { now: T0 });
    assert.equal(plan.command, undefined);
    assert.deepEqual(rounded(plan.moves), [{ decision: "rejected", nodePool: "p", policy: "Balanced", kind: "single", nodes: ["n"], score: { value: 0.41, decision: "rejected" } }]);
  });

  it("a move of a pool that is not Balanced is counted approved, without a score", () => {
    const plan = planChecked(crowded("WhenEmptyOrUnderutilized"), { now: T0 });
    assert.equal(plan.command?.method, "single");
    assert.deepEqual(plan.moves, [{ decision: "approved", nodePool: "p", policy: "WhenEmptyOrUnderutilized", kind: "single", nodes: ["n"] }]);
  });

  it("a single-node move Balanced approves is counted approved, with its score", () => {
    const np = nodePool("p", { consolidationPolicy: "Balanced", budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("big", { pool: np, type: c8 }), managedNode("busy", { pool: np, type: c4 })];
    const pods = [pod("one", { node: "big", cpu: "1500m" }), ...["1", "2", "3"].map((i) => pod(`b-${i}`, { node: "busy", cpu: "1100m" }))];
    // Saves $0.30 (c.8x → c.2x) of $0.60 for 2 of 6 units of disruption: 0.5 / (1/3) = 1.5.
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0 });
    assert.equal(plan.command?.method, "single");
    assert.deepEqual(rounded(plan.moves), [{ decision: "approved", nodePool: "p", policy: "Balanced", kind: "single", nodes: ["big"], score: { value: 1.5, decision: "approved" } }]);
    // What ConsolidationApproved says: the score against 1/k, and the shares behind it.
    const s = plan.moves[0]!.score!;
    assert.deepEqual({ ...s, value: r2(s.value), savingsFraction: r2(s.savingsFraction), disruptionFraction: r2(s.disruptionFraction) }, { value: 1.5, decision: "approved", threshold: 0.5, k: 2, savingsFraction: 0.5, disruptionFraction: 0.33 });
  });

  it("a multi-node move is counted once per NodePool, with the score of the move taken", () => {
    // Two c.4x with a pod each go onto one c.2x: saves $0.30 of $0.40 for all 4 units, 0.75.
    const np = nodePool("p", { consolidationPolicy: "Balanced", budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })];
    const pods = [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0 });
    assert.equal(plan.command?.method, "multi");
    assert.deepEqual(rounded(plan.moves), [{ decision: "approved", nodePool: "p", policy: "Balanced", kind: "multi", nodes: ["a", "b"], score: { value: 0.75, decision: "approved" } }]);
  });

  it("a refused multi-node move is rejected for every pool, each score keeping its own pool's verdict", () => {
    const cand = (name: string, pool: string, policy: string) => ({ name, nodePoolName: pool, nodePool: { spec: { disruption: { consolidationPolicy: policy } } } }) as unknown as Candidate;
    const score = (value: number): Score => ({ score: value, approved: value >= 0.5, threshold: 0.5, savingsFraction: 0, disruptionFraction: 0 });
    const scored = { candidates: [cand("x", "a", "Balanced"), cand("y", "b", "Balanced"), cand("z", "c", "WhenEmptyOrUnderutilized")] } as unknown as Command;
    const moves = movesOf({ out: { rejection: { kind: "BalancedScore", message: "" } }, scored, scores: new Map([["a", score(0.8)], ["b", score(0.2)]]) }, false);
    assert.deepEqual(rounded(moves), [
      { decision: "rejected", nodePool: "a", policy: "Balanced", kind: "multi", nodes: ["x"], score: { value: 0.8, decision: "approved" } },
      { decision: "rejected", nodePool: "b", policy: "Balanced", kind: "multi", nodes: ["y"], score: { value: 0.2, decision: "rejected" } },
      { decision: "rejected", nodePool: "c", policy: "WhenEmptyOrUnderutilized", kind: "multi", nodes: ["z"] },
    ]);
    assert.deepEqual(movesOf({ out: { rejection: { kind: "NotCheaper", message: "" } }, scores: new Map() }), [], "no move, nothing counted");
  });
});
