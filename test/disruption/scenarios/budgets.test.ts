// NodePool disruption budgets, as Karpenter reads them: `nodes` is a count or a percentage of the
// pool's initialized nodes rounded up; a budget with reasons applies to those only; a scheduled
// budget is active for its duration after each cron hit (UTC); the most restrictive active budget
// wins; nodes already disrupting (deleting, tainted, NotReady, in a command) use it up.
import assert from "node:assert/strict";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, nodesOf, scenarios } from "../../kit/disruption-expect.js";
import { type PoolOptions, clusterInput, managedNode, nodePool, pod, standardSizes } from "../../kit/disruption.js";

const { c4 } = standardSizes();
const at = (iso: string) => Date.parse(iso);
const names = (n: number, prefix = "e") => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
/** `n` empty nodes in a pool with these budgets. */
const empties = (n: number, budgets: PoolOptions["budgets"], o: PoolOptions = {}) => {
  const np = nodePool("p", { budgets, ...o });
  return clusterInput({ pools: [np], nodes: nodesOf(np, c4, names(n)) });
};
const goes = (plan: { command?: { candidates: unknown[] } }) => plan.command?.candidates.length ?? 0;
const business = { "9-to-5": { nodes: "0", schedule: "0 9 * * 1-5", duration: "8h" } };

const list: DisruptionScenario[] = [
  {
    name: "a count allows that many nodes",
    input: () => empties(10, [{ nodes: "3" }]),
    expect: (plan) => assert.equal(goes(plan), 3),
  },
  {
    name: "a percentage is of the pool's nodes, rounded up (25% of 10 is 3)",
    input: () => empties(10, [{ nodes: "25%" }]),
    expect: (plan) => assert.equal(goes(plan), 3),
  },
  {
    name: "a small percentage of a small pool still allows one (10% of 3)",
    input: () => empties(3, [{ nodes: "10%" }]),
    expect: (plan) => assert.equal(goes(plan), 1),
  },
  {
    name: "0% allows nothing",
    input: () => empties(4, [{ nodes: "0%" }]),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "e00", "Budget", /No allowed disruption reason Empty in NodePool "p" due to blocking budget/);
    },
  },
  {
    name: "100% allows every node",
    input: () => empties(6, [{ nodes: "100%" }]),
    expect: (plan) => assert.equal(goes(plan), 6),
  },
  {
    name: "the most restrictive active budget wins",
    input: () => empties(10, [{ nodes: "50%" }, { nodes: "2" }]),
    expect: (plan) => assert.equal(goes(plan), 2),
  },
  {
    name: "a scheduled budget of zero holds everything back while its window is open",
    input: () => empties(4, [{ nodes: "100%" }, business["9-to-5"]]),
    opts: { now: at("2026-01-05T10:00:00Z") },
    expect: (plan) => {
      expectNoCommand(plan);
      assert.equal(plan.budgets["Empty"]!.find((b) => b.nodePool === "p")!.allowed, 0);
    },
  },
  {
    name: "a scheduled budget is active from its cron hit on",
    input: () => empties(4, [{ nodes: "100%" }, business["9-to-5"]]),
    opts: { now: at("2026-01-05T09:00:00Z") },
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "a scheduled budget no longer limits once its duration has passed",
    input: () => empties(4, [{ nodes: "100%" }, business["9-to-5"]]),
    opts: { now: at("2026-01-05T17:00:00Z") },
    expect: (plan) => assert.equal(goes(plan), 4),
  },
  {
    name: "a weekday budget does not hold back on Saturday",
    input: () => empties(4, [{ nodes: "100%" }, business["9-to-5"]]),
    opts: { now: at("2026-01-10T10:00:00Z") },
    expect: (plan) => assert.equal(goes(plan), 4),
  },
  {
    name: "a macro schedule (@daily) works like its cron expression",
    input: () => empties(2, [{ nodes: "100%" }, { nodes: "0", schedule: "@daily", duration: "1h30m" }]),
    opts: { now: at("2026-01-05T01:29:00Z") },
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "a budget for other reasons does not limit emptiness",
    input: () => empties(3, [{ nodes: "0", reasons: ["Drifted", "Underutilized"] }, { nodes: "100%" }]),
    expect: (plan) => assert.equal(goes(plan), 3),
  },
  {
    name: "an Underutilized budget of zero stops consolidation but not emptiness",
    input: () => {
      const np = nodePool("p", { budgets: [{ nodes: "0", reasons: ["Underutilized"] }, { nodes: "100%" }] });
      return clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["empty", "a", "b"]), pods: [pod("pa", { node: "a" }), pod("pb", { node: "b" })] });
    },
    opts: { exhaustive: true },
    expect: (plan) => {
      expectCommand(plan, "emptiness", ["empty"], "delete");
      assert.equal(plan.options.length, 0, "no consolidation option");
      expectKept(plan, "a", "Budget", /No allowed disruption reason Underutilized/, "single");
    },
  },
  {
    name: "a node being deleted uses up the budget",
    input: () => {
      const np = nodePool("p", { budgets: [{ nodes: "2" }] });
      return clusterInput({ pools: [np], nodes: [managedNode("going", { pool: np, type: c4, deleting: true }), ...nodesOf(np, c4, names(3))] });
    },
    expect: (plan) => {
      assert.equal(goes(plan), 1);
      assert.deepEqual(plan.budgets["Empty"]!.find((b) => b.nodePool === "p"), { nodePool: "p", nodes: 4, disrupting: 1, allowed: 2, remaining: 1 });
    },
  },
  {
    name: "a node tainted karpenter.sh/disrupted uses up the budget",
    input: () => {
      const np = nodePool("p", { budgets: [{ nodes: "1" }] });
      return clusterInput({ pools: [np], nodes: [managedNode("tainted", { pool: np, type: c4, taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] }), ...nodesOf(np, c4, names(2))] });
    },
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "e00", "Budget", /1 of 1 allowed node is already disrupting/);
    },
  },
  {
    name: "a command in progress uses up the budget",
    input: () => ({ ...empties(3, [{ nodes: "2" }]), inProgress: new Set(["e00"]) }),
    expect: (plan) => {
      assert.equal(goes(plan), 1);
      assert.ok(!plan.command!.candidates.some((c) => c.name === "e00"), "a node in a command in progress is not a candidate again");
    },
  },
  {
    name: "a NotReady node uses up the budget",
    input: () => {
      const np = nodePool("p", { budgets: [{ nodes: "2" }] });
      return clusterInput({ pools: [np], nodes: [managedNode("sick", { pool: np, type: c4, ready: false }), ...nodesOf(np, c4, names(3))] });
    },
    expect: (plan) => assert.equal(goes(plan), 1),
  },
  {
    name: "nodes still initializing do not count toward the percentage",
    input: () => {
      const np = nodePool("p", { budgets: [{ nodes: "20%" }] });
      return clusterInput({ pools: [np], nodes: [...nodesOf(np, c4, names(4)), ...nodesOf(np, c4, names(6, "new"), { initialized: false })] });
    },
    // 20% of the 4 initialized nodes is 1 (of all 10 it would be 2).
    expect: (plan) => {
      assert.equal(goes(plan), 1);
      assert.equal(plan.budgets["Empty"]!.find((b) => b.nodePool === "p")!.nodes, 4);
    },
  },
  {
    name: "each pool's budget counts its own nodes",
    input: () => {
      const a = nodePool("a", { budgets: [{ nodes: "50%" }] });
      const b = nodePool("b", { budgets: [{ nodes: "1" }] });
      return clusterInput({ pools: [a, b], nodes: [...nodesOf(a, c4, names(4, "a")), ...nodesOf(b, c4, names(4, "b"))] });
    },
    expect: (plan) => {
      const byPool = (pool: string) => plan.command!.candidates.filter((c) => c.nodePoolName === pool).length;
      assert.equal(byPool("a"), 2);
      assert.equal(byPool("b"), 1);
    },
  },
  {
    name: "a budget whose schedule cannot be read allows nothing (fail closed)",
    input: () => empties(3, [{ nodes: "5", schedule: "61 * * * *", duration: "1h" }]),
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "the plan reports every pool's budget per reason",
    input: () => empties(10, [{ nodes: "30%", reasons: ["Empty"] }, { nodes: "1", reasons: ["Drifted"] }]),
    expect: (plan) => {
      const of = (reason: string) => plan.budgets[reason]!.find((b) => b.nodePool === "p")!.allowed;
      assert.equal(of("Empty"), 3);
      assert.equal(of("Drifted"), 1);
      assert.equal(of("Underutilized"), 2_147_483_647, "no budget applies: unbounded");
      assert.equal(of("All"), 1, "tenon's own methods honour every budget");
    },
  },
];

scenarios("disruption budgets", list);
