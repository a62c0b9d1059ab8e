// Multi-node consolidation: the consolidatable nodes cheapest to disrupt first, within the
// Underutilized budget, searched for the largest set that can go at once — deleted, or replaced by
// one node cheaper than all of them together.
import assert from "node:assert/strict";
import { type DisruptionScenario, disrupted, expectCommand, expectKept, expectNoCommand, near, nodesOf, replacementTypes, scenarios } from "../../kit/disruption-expect.js";
import { clusterInput, managedNode, nodePool, pdb, pod, standardSizes } from "../../kit/disruption.js";

const { c4, c8 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
const multi = { methods: ["multi" as const] };
/** Four c.4x nodes with half a cpu used on each: three can go onto the fourth. */
const fourQuiet = (np = pool(), extra: { pods?: ReturnType<typeof pod>[] } = {}) =>
  clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["a", "b", "c", "d"]), pods: [...["a", "b", "c", "d"].map((n) => pod(`p-${n}`, { node: n, cpu: "500m" })), ...(extra.pods ?? [])] });

const list: DisruptionScenario[] = [
  {
    name: "several under-used nodes are deleted together when the rest can hold their pods",
    input: () => fourQuiet(),
    expect: (plan) => {
      const cmd = expectCommand(plan, "multi", ["a", "b", "c"], "delete");
      near(cmd.savingsPerHour, 0.6, "savings");
    },
  },
  {
    name: "two nodes are replaced by one node cheaper than both",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c8, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "1" }), pod("pb", { node: "b", cpu: "1" })] }),
    expect: (plan) => {
      const cmd = expectCommand(plan, "multi", ["a", "b"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.4x"], "not c.8x: keeping one of the nodes would do as well");
      near(cmd.replacementPricePerHour, 0.2, "replacement");
      near(cmd.savingsPerHour, 0.6, "savings");
    },
  },
  {
    name: "the Underutilized budget caps the set",
    input: () => fourQuiet(pool({ budgets: [{ nodes: "2", reasons: ["Underutilized"] }] })),
    opts: multi,
    expect: (plan) => expectCommand(plan, "multi", ["a", "b"], "delete"),
  },
  {
    name: "a budget of one leaves the work to single-node consolidation",
    input: () => fourQuiet(pool({ budgets: [{ nodes: "1" }] })),
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "at most maxMultiNodeCandidates nodes are considered",
    input: () => fourQuiet(),
    opts: { ...multi, maxMultiNodeCandidates: 2 },
    expect: (plan) => expectCommand(plan, "multi", ["a", "b"], "delete"),
  },
  {
    name: "a node with a do-not-disrupt pod stays out of the set, and the others go around it",
    input: () => fourQuiet(pool(), { pods: [pod("keep", { node: "b", annotations: dnd })] }),
    opts: multi,
    expect: (plan) => {
      expectCommand(plan, "multi", ["a", "c", "d"], "delete");
      expectKept(plan, "b", "PodDoNotDisrupt", /pod default\/keep has the "karpenter.sh\/do-not-disrupt" annotation/, "multi");
    },
  },
  {
    name: "a node whose PodDisruptionBudget allows nothing stays out of the set",
    input: () => ({ ...fourQuiet(pool(), { pods: [pod("db-0", { node: "c", labels: { app: "db" } })] }), pdbs: [pdb("db", { app: "db" }, 0)] }),
    opts: multi,
    expect: (plan) => {
      expectCommand(plan, "multi", ["a", "b", "d"], "delete");
      expectKept(plan, "c", "PodDisruptionBudget", /PodDisruptionBudget default\/db allows no disruption of pod default\/db-0/, "multi");
    },
  },
  {
    name: "nodes of different pools consolidate together onto one node",
    input: () => {
      const x = nodePool("x", { budgets: [{ nodes: "100%" }] });
      const y = nodePool("y", { budgets: [{ nodes: "100%" }] });
      return clusterInput({ pools: [x, y], nodes: [managedNode("a", { pool: x, type: c8 }), managedNode("b", { pool: y, type: c8 })], pods: [pod("pa", { node: "a", cpu: "1" }), pod("pb", { node: "b", cpu: "1" })] });
    },
    expect: (plan) => {
      expectCommand(plan, "multi", ["a", "b"], "replace");
      assert.equal(plan.command!.replacements.length, 1);
    },
  },
  {
    name: "empty nodes are emptiness' business, not multi-node consolidation's",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["e1", "e2", "e3"]) }),
    opts: multi,
    expect: (plan) => {
      expectNoCommand(plan);
      assert.equal(plan.eligible.multi, 0);
    },
  },
  {
    name: "when time runs out the best set found so far is kept, and the timeout is reported",
    input: () => fourQuiet(),
    opts: { ...multi, elapsed: (() => {
      let t = 0;
      return () => (t += 1000);
    })(), multiNodeTimeoutMs: 1500 },
    expect: (plan) => {
      assert.deepEqual(plan.timeouts, ["multi"]);
      assert.ok(plan.command === undefined || plan.command.method === "multi");
    },
  },
  {
    name: "a WhenEmpty pool's nodes take no part",
    input: () => fourQuiet(pool({ consolidationPolicy: "WhenEmpty" })),
    opts: multi,
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "WhenEmpty", undefined, "multi");
    },
  },
  {
    name: "nodes are not replaced by a type being removed unless it is cheaper than each of them",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 }), managedNode("b", { pool: pool(), type: c8 })], pods: [pod("pa", { node: "a", cpu: "1500m" }), pod("pb", { node: "b", cpu: "1500m" })] }),
    expect: (plan) => {
      // Replacing both by a c.4x is no better than deleting b's neighbour a: single-node does that.
      expectCommand(plan, "single", ["a"], "delete");
    },
  },
  {
    name: "the nodes cheapest to disrupt go into the set first",
    input: () =>
      clusterInput({
        pools: [pool({ budgets: [{ nodes: "2" }] })],
        nodes: nodesOf(pool(), c4, ["a", "b", "c", "d"]),
        pods: [pod("a1", { node: "a", cpu: "200m" }), pod("a2", { node: "a", cpu: "200m" }), pod("a3", { node: "a", cpu: "200m" }), pod("b1", { node: "b", cpu: "200m" }), pod("c1", { node: "c", cpu: "200m" }), pod("d1", { node: "d", cpu: "200m" }), pod("d2", { node: "d", cpu: "200m" })],
      }),
    opts: multi,
    expect: (plan) => expectCommand(plan, "multi", ["b", "c"], "delete"),
  },
  {
    name: "consolidateAfter not yet passed keeps a node out of the set",
    input: () => {
      const np = pool({ consolidateAfter: "1h" });
      const nodes = nodesOf(np, c4, ["a", "b", "c"], { lastPodEventTime: Date.parse("2026-01-05T10:00:00Z") });
      nodes.push(managedNode("busy-recently", { pool: np, type: c4, lastPodEventTime: Date.parse("2026-01-05T11:30:00Z") }));
      return clusterInput({ pools: [np], nodes, pods: ["a", "b", "c", "busy-recently"].map((n) => pod(`p-${n}`, { node: n, cpu: "500m" })) });
    },
    opts: multi,
    expect: (plan) => {
      assert.ok(!disrupted(plan).includes("busy-recently"));
      expectKept(plan, "busy-recently", "ConsolidateAfter", /consolidatable at 2026-01-05T12:30:00.000Z/, "multi");
      assert.equal(plan.command?.method, "multi");
    },
  },
  {
    name: "a set whose pods need more than one new node is not taken",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c8, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "7" }), pod("pb", { node: "b", cpu: "7" })] }),
    opts: multi,
    expect: (plan) => expectNoCommand(plan),
  },
];

scenarios("multi-node consolidation", list);
