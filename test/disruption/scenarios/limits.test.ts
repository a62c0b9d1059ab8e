// Limits enforced downwards (tenon): when a NodePool runs more than its spec.limits allow, nodes
// are removed until it fits — emptiest first, then cheapest — within its budgets; nodes with a
// do-not-disrupt pod stay and say so. Karpenter only stops launching at a limit.
import assert from "node:assert/strict";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, nodesOf, scenarios } from "../../kit/disruption-expect.js";
import { clusterInput, managedNode, nodePool, pdb, pod, standardSizes } from "../../kit/disruption.js";

const { c1, c2, c4 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const limited = (limits: Record<string, string>, o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { limits, budgets: [{ nodes: "100%" }], ...o });
const onlyLimits = { methods: ["limits" as const] };

const list: DisruptionScenario[] = [
  {
    name: "nodes above a lowered cpu limit go, emptiest then cheapest",
    input: () => {
      const np = limited({ cpu: "8" });
      return clusterInput({
        pools: [np],
        nodes: [managedNode("two-pods", { pool: np, type: c4 }), managedNode("empty-dear", { pool: np, type: c4 }), managedNode("one-pod", { pool: np, type: c2 }), managedNode("empty-cheap", { pool: np, type: c1 })],
        pods: [pod("a", { node: "two-pods" }), pod("b", { node: "two-pods" }), pod("c", { node: "one-pod" })],
      });
    },
    opts: onlyLimits,
    // 4 + 4 + 2 + 1 = 11 cpu over 8: the cheap empty node, then the dear empty one (11 → 10 → 6).
    expect: (plan) => expectCommand(plan, "limits", ["empty-cheap", "empty-dear"], "delete"),
  },
  {
    name: "a pool within its limits keeps its nodes",
    input: () => clusterInput({ pools: [limited({ cpu: "100" })], nodes: nodesOf(limited({ cpu: "100" }), c4, ["a", "b"]), pods: [pod("x", { node: "a" }), pod("y", { node: "b" })] }),
    opts: onlyLimits,
    expect: (plan) => {
      expectNoCommand(plan);
      assert.equal(plan.eligible.limits, 0);
    },
  },
  {
    name: "a pool exactly at its limit keeps its nodes",
    input: () => clusterInput({ pools: [limited({ cpu: "8" })], nodes: nodesOf(limited({ cpu: "8" }), c4, ["a", "b"]), pods: [pod("x", { node: "a" }), pod("y", { node: "b" })] }),
    opts: onlyLimits,
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "a limit of zero removes every node, as fast as the budget allows",
    input: () => clusterInput({ pools: [limited({ cpu: "0" }, { budgets: [{ nodes: "2" }] })], nodes: nodesOf(limited({ cpu: "0" }), c2, ["a", "b", "c", "d"]), pods: ["a", "b", "c", "d"].map((n) => pod(`p-${n}`, { node: n })) }),
    opts: onlyLimits,
    expect: (plan) => {
      assert.equal(plan.command?.candidates.length, 2);
      assert.equal(plan.explanations.filter((e) => e.kind === "Budget" && e.method === "limits").length, 2);
      // Regression: the message used to say "0 of 2 allowed nodes are already disrupting".
      assert.match(plan.explanations.find((e) => e.kind === "Budget")!.message, /^NodePool "p" budget for disruptions is used up: 0 already disrupting and 2 more in this pass, of 2 allowed; NodePool "p" is over its limits \(cpu 4 is over the limit 0\)$/);
    },
  },
  {
    name: "a node with a do-not-disrupt pod stays over the limit, and says so",
    input: () => clusterInput({ pools: [limited({ cpu: "0" })], nodes: nodesOf(limited({ cpu: "0" }), c2, ["keep", "go"]), pods: [pod("k", { node: "keep", annotations: dnd }), pod("g", { node: "go" })] }),
    opts: onlyLimits,
    expect: (plan) => {
      expectCommand(plan, "limits", ["go"], "delete");
      expectKept(plan, "keep", "PodDoNotDisrupt", /kept although NodePool "p" is over its limits \(cpu 2 is over the limit 0\): pod default\/k has the "karpenter.sh\/do-not-disrupt" annotation/, "limits");
    },
  },
  {
    name: "a memory limit is enforced like a cpu limit",
    input: () => clusterInput({ pools: [limited({ memory: "10Gi" })], nodes: nodesOf(limited({ memory: "10Gi" }), c4, ["a", "b"]), pods: [pod("x", { node: "a" }), pod("y", { node: "b" }), pod("z", { node: "b" })] }),
    opts: onlyLimits,
    // Two nodes of 8 GiB: 16 GiB over 10 GiB; one goes (the one with fewer pods).
    expect: (plan) => expectCommand(plan, "limits", ["a"], "delete"),
  },
  {
    name: "a limit on the number of nodes is enforced",
    input: () => clusterInput({ pools: [limited({ nodes: "2" })], nodes: nodesOf(limited({ nodes: "2" }), c2, ["a", "b", "c"]), pods: [pod("x", { node: "a" })] }),
    opts: onlyLimits,
    expect: (plan) => {
      const cmd = expectCommand(plan, "limits", ["b"], "delete");
      assert.equal(cmd.replacements.length, 0);
    },
  },
  {
    name: "a PodDisruptionBudget does not stop limits (the drain honours it)",
    input: () => clusterInput({ pools: [limited({ cpu: "0" })], nodes: nodesOf(limited({ cpu: "0" }), c2, ["a"]), pods: [pod("db-0", { node: "a", labels: { app: "db" } })], pdbs: [pdb("db", { app: "db" }, 0)] }),
    // Its pods need not have a place: the pool is over its limits, other pools take them.
    opts: onlyLimits,
    expect: (plan) => expectCommand(plan, "limits", ["a"], "delete"),
  },
  {
    name: "limits of one pool leave other pools alone",
    input: () => {
      const small = limited({ cpu: "2" });
      const free = nodePool("free", { budgets: [{ nodes: "100%" }] });
      return clusterInput({ pools: [small, free], nodes: [...nodesOf(small, c2, ["s1", "s2"]), ...nodesOf(free, c4, ["f1", "f2"])], pods: [pod("x", { node: "s1" }), pod("y", { node: "f1" })] });
    },
    opts: onlyLimits,
    expect: (plan) => expectCommand(plan, "limits", ["s2"], "delete"),
  },
  {
    name: "limits that cannot be read are a warning, not a removal",
    input: () => {
      // The schema refuses such a quantity; a pool read from a snapshot without validation may still carry one.
      const np = limited({ cpu: "4" });
      np.spec.limits = { cpu: "lots" };
      return clusterInput({ pools: [np], nodes: nodesOf(limited({ cpu: "4" }), c2, ["a"]) });
    },
    opts: onlyLimits,
    expect: (plan) => {
      expectNoCommand(plan);
      assert.match(plan.warnings.find((w) => w.nodePool === "p")!.message, /spec.limits cannot be read/);
    },
  },
  {
    name: "a node already being deleted counts as gone for the limit",
    input: () => clusterInput({ pools: [limited({ cpu: "4" })], nodes: [managedNode("going", { pool: limited({ cpu: "4" }), type: c2, deleting: true }), ...nodesOf(limited({ cpu: "4" }), c2, ["a", "b"])], pods: [pod("x", { node: "a" }), pod("y", { node: "b" })] }),
    opts: onlyLimits,
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "limits go before drift and consolidation",
    input: () => clusterInput({ pools: [limited({ cpu: "2" })], nodes: nodesOf(limited({ cpu: "2" }), c2, ["a", "b", "empty"]), pods: [pod("x", { node: "a" }), pod("y", { node: "b" })] }),
    // 6 cpu over 2: the empty node first, then the first of the busy ones (names break the tie).
    expect: (plan) => expectCommand(plan, "limits", ["empty", "a"], "delete"),
  },
];

scenarios("limits enforced downwards", list);
