// Drift: nodes that no longer match their NodePool or node class are replaced, oldest drift first,
// within the Drifted budget; empty ones go together, ones with pods one at a time, and only when
// every pod has a place. Blocking pods stop drift unless a terminationGracePeriod bounds the drain.
import assert from "node:assert/strict";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, near, replacementTypes, scenarios } from "../../kit/disruption-expect.js";
import { T0, clusterInput, hour, iso, managedNode, nodePool, pdb, pod, standardSizes } from "../../kit/disruption.js";
import type { DisruptionInput } from "../../../src/disruption/types.js";

const { c2, c4, c8 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
/** The cloud provider reports these claims drifted (an AMI changed). */
const drifted = (input: DisruptionInput, ...names: string[]): DisruptionInput => ({ ...input, cloudDrift: new Map(names.map((n) => [n, "AMIDrift"])) });
const driftedAt = (ms: number) => [{ type: "Drifted", status: "True" as const, reason: "AMIDrift", message: "", lastTransitionTime: iso(ms) }];
const onlyDrift = { methods: ["drift" as const] };

const list: DisruptionScenario[] = [
  {
    name: "a drifted node with pods is replaced by what its pods need",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 })], pods: [pod("x", { node: "a", cpu: "3" })] }), "a"),
    expect: (plan) => {
      expectCommand(plan, "drift", ["a"], "replace");
      assert.equal(replacementTypes(plan)[0], "c.4x", "the cheapest type that holds 3 cpu");
      assert.equal(plan.drift.find((d) => d.claim === "a")?.reason, "AMIDrift");
    },
  },
  {
    name: "an empty drifted node is deleted without a replacement",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 })] }), "a"),
    opts: onlyDrift,
    expect: (plan) => expectCommand(plan, "drift", ["a"], "delete"),
  },
  {
    name: "a drifted node whose pods fit on the other nodes is deleted without a replacement",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 }), managedNode("b", { pool: pool(), type: c8 })], pods: [pod("x", { node: "a", cpu: "1" }), pod("y", { node: "b", cpu: "1" })] }), "a"),
    expect: (plan) => expectCommand(plan, "drift", ["a"], "delete"),
  },
  {
    name: "empty drifted nodes go together within the Drifted budget",
    input: () => drifted(clusterInput({ pools: [pool({ budgets: [{ nodes: "2", reasons: ["Drifted"] }] })], nodes: ["a", "b", "c"].map((n) => managedNode(n, { pool: pool(), type: c4 })) }), "a", "b", "c"),
    opts: onlyDrift,
    expect: (plan) => {
      expectCommand(plan, "drift", ["a", "b"], "delete");
      expectKept(plan, "c", "Budget", /budget for disruption reason Drifted is used up|No allowed disruption reason Drifted/, "drift");
    },
  },
  {
    name: "drifted nodes with pods go one per pass, the longest drifted first",
    input: () =>
      drifted(
        clusterInput({
          pools: [pool()],
          nodes: [managedNode("recent", { pool: pool(), type: c4, conditions: driftedAt(T0 - hour) }), managedNode("oldest", { pool: pool(), type: c4, conditions: driftedAt(T0 - 5 * hour) })],
          pods: [pod("x", { node: "recent", cpu: "3" }), pod("y", { node: "oldest", cpu: "3" })],
        }),
        "recent",
        "oldest",
      ),
    expect: (plan) => expectCommand(plan, "drift", ["oldest"], "replace"),
  },
  {
    name: "empty drifted nodes go before drifted nodes with pods",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("busy", { pool: pool(), type: c4 }), managedNode("empty", { pool: pool(), type: c4 })], pods: [pod("x", { node: "busy", cpu: "3" })] }), "busy", "empty"),
    expect: (plan) => expectCommand(plan, "drift", ["empty"], "delete"),
  },
  {
    name: "a changed NodePool template drifts the nodes made from the old one",
    input: () => {
      const old = pool();
      const now = pool({ labels: { team: "payments" } });
      return clusterInput({ pools: [now], nodes: [managedNode("a", { pool: old, type: c4 })], pods: [pod("x", { node: "a", cpu: "1" })] });
    },
    expect: (plan) => {
      expectCommand(plan, "drift", ["a"], "replace");
      assert.equal(plan.drift.find((d) => d.claim === "a")?.reason, "NodePoolDrifted");
      assert.equal(plan.command!.replacements[0]!.planned.labels["team"], "payments", "the replacement has the new template's labels");
    },
  },
  {
    name: "a requirement the node no longer meets drifts it",
    input: () => {
      const old = pool();
      const spotOnly = pool({ requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] });
      // Same template hash on the claim: only the requirements tell the difference.
      const n = managedNode("a", { pool: old, type: c4 });
      n.claim.metadata.annotations = { ...n.claim.metadata.annotations, "karpenter.sh/nodepool-hash": managedNode("z", { pool: spotOnly, type: c4 }).claim.metadata.annotations!["karpenter.sh/nodepool-hash"]! };
      return clusterInput({ pools: [spotOnly], nodes: [n], pods: [pod("x", { node: "a", cpu: "1" })] });
    },
    expect: (plan) => {
      expectCommand(plan, "drift", ["a"], "replace");
      const d = plan.drift.find((x) => x.claim === "a")!;
      assert.equal(d.reason, "RequirementsDrifted");
      assert.match(d.message!, /labels no longer satisfy NodePool "p" requirements/);
      assert.deepEqual(plan.command!.replacements[0]!.planned.capacityTypes, ["spot"]);
    },
  },
  {
    name: "nothing drifted, nothing replaced",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 })], pods: [pod("x", { node: "a", cpu: "3" })] }),
    opts: onlyDrift,
    expect: (plan) => {
      expectNoCommand(plan);
      assert.ok(plan.drift.every((d) => d.reason === undefined));
      assert.equal(plan.eligible.drift, 0);
    },
  },
  {
    name: "a Drifted budget of zero holds drift back",
    input: () => drifted(clusterInput({ pools: [pool({ budgets: [{ nodes: "0", reasons: ["Drifted"] }, { nodes: "100%" }] })], nodes: [managedNode("a", { pool: pool(), type: c4 })], pods: [pod("x", { node: "a", cpu: "3" })] }), "a"),
    opts: onlyDrift,
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "Budget", /No allowed disruption reason Drifted in NodePool "p" due to blocking budget/, "drift");
    },
  },
  {
    name: "Empty and Underutilized budgets do not hold drift back",
    input: () => drifted(clusterInput({ pools: [pool({ budgets: [{ nodes: "0", reasons: ["Empty", "Underutilized"] }] })], nodes: [managedNode("a", { pool: pool(), type: c4 })] }), "a"),
    expect: (plan) => expectCommand(plan, "drift", ["a"], "delete"),
  },
  {
    name: "drift leaves a node with a do-not-disrupt pod alone, and says a terminationGracePeriod would let it go",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 })], pods: [pod("keep", { node: "a", annotations: dnd })] }), "a"),
    opts: onlyDrift,
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "PodDoNotDisrupt", /do-not-disrupt.*set a terminationGracePeriod on the NodePool to let drift proceed regardless/, "drift");
    },
  },
  {
    name: "drift replaces a node with a do-not-disrupt pod when a terminationGracePeriod bounds the drain",
    input: () => drifted(clusterInput({ pools: [pool({ terminationGracePeriod: "1h" })], nodes: [managedNode("a", { pool: pool({ terminationGracePeriod: "1h" }), type: c4 })], pods: [pod("keep", { node: "a", annotations: dnd })] }), "a"),
    opts: onlyDrift,
    expect: (plan) => expectCommand(plan, "drift", ["a"], "replace"),
  },
  {
    name: "drift leaves a node whose PodDisruptionBudget allows nothing alone",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4 })], pods: [pod("db-0", { node: "a", labels: { app: "db" } })], pdbs: [pdb("db", { app: "db" }, 0)] }), "a"),
    opts: onlyDrift,
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "PodDisruptionBudget", /PodDisruptionBudget default\/db allows no disruption of pod default\/db-0/, "drift");
    },
  },
  {
    name: "drift goes through a blocking PodDisruptionBudget when a terminationGracePeriod bounds the drain",
    input: () => drifted(clusterInput({ pools: [pool({ terminationGracePeriod: "30m" })], nodes: [managedNode("a", { pool: pool({ terminationGracePeriod: "30m" }), type: c4 })], pods: [pod("db-0", { node: "a", labels: { app: "db" } })], pdbs: [pdb("db", { app: "db" }, 0)] }), "a"),
    opts: onlyDrift,
    expect: (plan) => expectCommand(plan, "drift", ["a"], "replace"),
  },
  {
    name: "a drifted node whose pod fits nowhere, not even on a new node, stays and names the pod",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4, labels: { team: "x" } })], pods: [pod("pinned", { node: "a", nodeSelector: { team: "x" } })] }), "a"),
    opts: onlyDrift,
    expect: (plan) => {
      expectNoCommand(plan);
      const e = expectKept(plan, "a", "PodsDoNotFit", /^pod default\/pinned has nowhere to go/, "drift");
      assert.deepEqual(e.pods, ["default/pinned"]);
    },
  },
  {
    name: "a drifted node annotated do-not-disrupt is not a candidate at all",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4, annotations: dnd })] }), "a"),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "DoNotDisrupt", /disruption is blocked through the "karpenter.sh\/do-not-disrupt" annotation/);
    },
  },
  {
    name: "drift goes before emptiness and consolidation: the drifted node's pod moves to the empty node",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("old", { pool: pool(), type: c4 }), managedNode("empty", { pool: pool(), type: c4 })], pods: [pod("x", { node: "old", cpu: "3" })] }), "old"),
    expect: (plan) => expectCommand(plan, "drift", ["old"], "delete"),
  },
  {
    name: "a drift replacement may cost more than the node it replaces",
    input: () => {
      const old = pool();
      const bigger = pool({ requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["c.4x"] }] });
      const n = managedNode("a", { pool: old, type: c2 });
      n.claim.metadata.annotations = { ...n.claim.metadata.annotations, "karpenter.sh/nodepool-hash": managedNode("z", { pool: bigger, type: c2 }).claim.metadata.annotations!["karpenter.sh/nodepool-hash"]! };
      return clusterInput({ pools: [bigger], nodes: [n], pods: [pod("x", { node: "a", cpu: "1" })] });
    },
    expect: (plan) => {
      const cmd = expectCommand(plan, "drift", ["a"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.4x"]);
      near(cmd.replacementPricePerHour, 0.2, "replacement price");
      assert.ok(cmd.savingsPerHour < 0, "drift is about moving off the old configuration, not about money");
    },
  },
  {
    name: "a node not yet initialized does not drift away",
    input: () => drifted(clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4, initialized: false })] }), "a"),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "NotInitialized", /node isn't initialized/);
    },
  },
];

scenarios("drift", list);
