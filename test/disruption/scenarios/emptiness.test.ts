// Emptiness: nodes without pods that need a new home are deleted, all at once within the Empty
// budget, under either consolidation policy, once consolidateAfter has passed.
import assert from "node:assert/strict";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, nodesOf, scenarios } from "../../kit/disruption-expect.js";
import { T0, clusterInput, managedNode, minute, nodePool, pod, standardSizes } from "../../kit/disruption.js";

const { c4 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
const onlyEmptiness = { methods: ["emptiness" as const] };

const list: DisruptionScenario[] = [
  {
    name: "an empty node is deleted",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["empty", "busy"]), pods: [pod("x", { node: "busy" })] }),
    expect: (plan) => {
      const cmd = expectCommand(plan, "emptiness", ["empty"], "delete");
      assert.equal(cmd.savingsPerHour, 0.2);
    },
  },
  {
    name: "every empty node goes at once when the budget allows",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["e1", "e2", "e3", "e4", "busy"]), pods: [pod("x", { node: "busy" })] }),
    expect: (plan) => expectCommand(plan, "emptiness", ["e1", "e2", "e3", "e4"], "delete"),
  },
  {
    name: "the default budget (10%, rounded up) lets one of ten empty nodes go",
    input: () => clusterInput({ pools: [nodePool("p")], nodes: nodesOf(nodePool("p"), c4, Array.from({ length: 10 }, (_, i) => `e${i}`)) }),
    expect: (plan) => {
      assert.equal(plan.command?.candidates.length, 1);
      assert.equal(plan.explanations.filter((e) => e.kind === "Budget" && e.method === "emptiness").length, 9);
    },
  },
  {
    name: "a WhenEmpty pool deletes empty nodes too, and only those",
    input: () => clusterInput({ pools: [pool({ consolidationPolicy: "WhenEmpty" })], nodes: nodesOf(pool({ consolidationPolicy: "WhenEmpty" }), c4, ["empty", "busy"]), pods: [pod("x", { node: "busy" })] }),
    opts: { exhaustive: true },
    expect: (plan) => {
      expectCommand(plan, "emptiness", ["empty"], "delete");
      expectKept(plan, "busy", "WhenEmpty", /NodePool "p" has non-empty consolidation disabled/);
    },
  },
  {
    name: "consolidateAfter Never keeps empty nodes",
    input: () => clusterInput({ pools: [pool({ consolidateAfter: "Never" })], nodes: nodesOf(pool({ consolidateAfter: "Never" }), c4, ["empty"]) }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "empty", "ConsolidationDisabled", /NodePool "p" has consolidation disabled/, "emptiness");
    },
  },
  {
    name: "an empty node waits consolidateAfter since its last pod left",
    input: () => clusterInput({ pools: [pool({ consolidateAfter: "10m" })], nodes: [managedNode("recent", { pool: pool({ consolidateAfter: "10m" }), type: c4, lastPodEventTime: T0 - 5 * minute }), managedNode("quiet", { pool: pool({ consolidateAfter: "10m" }), type: c4, lastPodEventTime: T0 - 15 * minute })] }),
    expect: (plan) => {
      expectCommand(plan, "emptiness", ["quiet"], "delete");
      expectKept(plan, "recent", "ConsolidateAfter", /consolidateAfter 10m has not passed since the node's last pod event; consolidatable at 2026-01-05T12:05:00.000Z/);
      assert.deepEqual(plan.consolidatable.find((c) => c.claim === "recent"), { claim: "recent", consolidatable: false, at: T0 + 5 * minute });
    },
  },
  {
    name: "without pod events the wait starts when the node was initialized",
    input: () => {
      const np = pool({ consolidateAfter: "10m" });
      // Initialized one minute after creation.
      return clusterInput({ pools: [np], nodes: [managedNode("new", { pool: np, type: c4, created: T0 - 5 * minute }), managedNode("settled", { pool: np, type: c4, created: T0 - 20 * minute })] });
    },
    expect: (plan) => {
      expectCommand(plan, "emptiness", ["settled"], "delete");
      expectKept(plan, "new", "ConsolidateAfter", /consolidatable at 2026-01-05T12:06:00.000Z/);
    },
  },
  {
    name: "a node with only DaemonSet pods is empty",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["ds-only", "busy"]), pods: [pod("agent", { node: "ds-only", owner: "DaemonSet" }), pod("x", { node: "busy" })] }),
    expect: (plan) => expectCommand(plan, "emptiness", ["ds-only"], "delete"),
  },
  {
    name: "a node with only finished pods is empty",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["done", "busy"]), pods: [pod("job", { node: "done", phase: "Succeeded" }), pod("failed", { node: "done", phase: "Failed" }), pod("x", { node: "busy" })] }),
    expect: (plan) => expectCommand(plan, "emptiness", ["done"], "delete"),
  },
  {
    name: "a node with only a static pod's mirror is empty",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["static", "busy"]), pods: [pod("kube-proxy", { node: "static", owner: "Node", namespace: "kube-system" }), pod("x", { node: "busy" })] }),
    expect: (plan) => expectCommand(plan, "emptiness", ["static"], "delete"),
  },
  {
    name: "a terminating ReplicaSet pod does not keep its node from being empty",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["draining", "busy"]), pods: [pod("old", { node: "draining", deleting: true }), pod("x", { node: "busy" })] }),
    expect: (plan) => expectCommand(plan, "emptiness", ["draining"], "delete"),
  },
  {
    name: "a terminating StatefulSet pod keeps its node from being empty (its replacement waits for it)",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["sts"]), pods: [pod("db-0", { node: "sts", owner: "StatefulSet", deleting: true })] }),
    opts: onlyEmptiness,
    expect: (plan) => {
      expectNoCommand(plan);
      assert.equal(plan.eligible.emptiness, 0);
    },
  },
  {
    name: "a do-not-disrupt DaemonSet pod keeps an otherwise empty node",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["agent"]), pods: [pod("agent", { node: "agent", owner: "DaemonSet", annotations: dnd })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "agent", "PodDoNotDisrupt", /pod default\/agent has the "karpenter.sh\/do-not-disrupt" annotation/, "emptiness");
    },
  },
  {
    name: "an Empty budget of zero keeps empty nodes, whatever the other reasons allow",
    input: () => clusterInput({ pools: [pool({ budgets: [{ nodes: "0", reasons: ["Empty"] }, { nodes: "100%", reasons: ["Underutilized", "Drifted"] }] })], nodes: nodesOf(pool(), c4, ["empty"]) }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "empty", "Budget", /No allowed disruption reason Empty in NodePool "p" due to blocking budget/, "emptiness");
    },
  },
  {
    name: "an empty node still initializing is left alone",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("launching", { pool: pool(), type: c4, initialized: false })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "launching", "NotInitialized");
    },
  },
  {
    name: "a NotReady node uses up the budget",
    input: () => clusterInput({ pools: [pool({ budgets: [{ nodes: "1" }] })], nodes: [managedNode("sick", { pool: pool(), type: c4, ready: false }), managedNode("empty", { pool: pool(), type: c4 })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "empty", "Budget", /1 of 1 allowed node is already disrupting/);
      assert.deepEqual(plan.budgets["Empty"]!.find((b) => b.nodePool === "p"), { nodePool: "p", nodes: 2, disrupting: 1, allowed: 1, remaining: 0 });
    },
  },
  {
    name: "empty nodes of two pools go within each pool's own budget",
    input: () => {
      const a = nodePool("a", { budgets: [{ nodes: "1" }] });
      const b = nodePool("b", { budgets: [{ nodes: "1" }] });
      return clusterInput({ pools: [a, b], nodes: [...nodesOf(a, c4, ["a1", "a2"]), ...nodesOf(b, c4, ["b1", "b2"])] });
    },
    expect: (plan) => {
      assert.equal(plan.command?.method, "emptiness");
      assert.deepEqual(plan.command!.candidates.map((c) => c.nodePoolName).sort(), ["a", "b"]);
    },
  },
  {
    name: "a node already being deleted is not deleted again and counts against the budget",
    input: () => clusterInput({ pools: [pool({ budgets: [{ nodes: "2" }] })], nodes: [managedNode("going", { pool: pool(), type: c4, deleting: true }), ...nodesOf(pool(), c4, ["e1", "e2"])] }),
    expect: (plan) => {
      expectCommand(plan, "emptiness", ["e1"], "delete");
      expectKept(plan, "e2", "Budget");
    },
  },
  {
    name: "a node tainted karpenter.sh/disrupted is already on its way out",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("tainted", { pool: pool(), type: c4, taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] }), managedNode("busy", { pool: pool(), type: c4 })], pods: [pod("x", { node: "busy" })] }),
    opts: onlyEmptiness,
    expect: (plan) => expectNoCommand(plan),
  },
];

scenarios("emptiness", list);
