// The pass as a whole: the order methods are tried in, exhaustive mode, what makes a node a
// candidate at all, NodePools that cannot launch, and what replacements must make room for
// (daemonsets, anti-affinity, pending pods).
import assert from "node:assert/strict";
import type { V1Node } from "@kubernetes/client-node";
import { type DisruptionScenario, disrupted, expectCommand, expectKept, expectNoCommand, nodesOf, replacementTypes, scenarios } from "../../kit/disruption-expect.js";
import { clusterInput, daemonSet, managedNode, nodePool, pod, standardSizes } from "../../kit/disruption.js";

const { c2, c4, c8 } = standardSizes();
const at = (iso: string) => Date.parse(iso);
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
const asleepAt9pm = { "tenon.sh/sleep-windows": JSON.stringify([{ schedule: "0 20 * * *", duration: "12h" }]) };
const antiWeb = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } }] } };
/** A Node of the cluster that no NodePool manages. */
const unmanaged = (name: string, cpu: string): V1Node => ({
  metadata: { name, labels: { "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": "us-east-1a" } },
  spec: { providerID: `aws:///us-east-1a/i-${name}` },
  status: { allocatable: { cpu, memory: "16Gi", pods: "110" }, capacity: { cpu, memory: "16Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
});

const list: DisruptionScenario[] = [
  {
    name: "sleep goes before limits",
    input: () => {
      const np = pool({ annotations: asleepAt9pm, limits: { cpu: "4" } });
      return clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["a", "b"]), pods: [pod("x", { node: "a" })] });
    },
    opts: { now: at("2026-01-05T21:00:00Z") },
    expect: (plan) => expectCommand(plan, "sleep", ["a", "b"], "delete"),
  },
  {
    name: "limits go before drift",
    input: () => {
      const np = pool({ limits: { cpu: "4" } });
      return { ...clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["a", "b"]), pods: [pod("x", { node: "a" })] }), cloudDrift: new Map([["a", "AMIDrift" as const]]) };
    },
    expect: (plan) => expectCommand(plan, "limits", ["b"], "delete"),
  },
  {
    name: "emptiness goes before multi-node consolidation",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b", "c", "empty"]), pods: ["a", "b", "c"].map((n) => pod(`p-${n}`, { node: n, cpu: "500m" })) }),
    expect: (plan) => expectCommand(plan, "emptiness", ["empty"], "delete"),
  },
  {
    name: "multi-node goes before single-node consolidation",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b", "c"]), pods: ["a", "b", "c"].map((n) => pod(`p-${n}`, { node: n, cpu: "500m" })) }),
    expect: (plan) => {
      expectCommand(plan, "multi", ["a", "b", "c"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.2x"], "one small node for the three pods");
    },
  },
  {
    name: "exhaustive mode runs every method; a node is in one command at most",
    input: () => ({
      ...clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c8, ["drifted", "empty", "a", "b", "c"]), pods: [pod("d", { node: "drifted", cpu: "1" }), ...["a", "b", "c"].map((n) => pod(`p-${n}`, { node: n, cpu: "1" }))] }),
      cloudDrift: new Map([["drifted", "AMIDrift" as const]]),
    }),
    opts: { exhaustive: true },
    expect: (plan) => {
      assert.equal(plan.command?.method, "drift");
      const methods = plan.options.map((o) => o.method);
      assert.ok(methods.includes("emptiness"), `options: ${methods.join(", ")}`);
      assert.ok(methods.some((m) => m === "multi" || m === "single"), `options: ${methods.join(", ")}`);
    },
  },
  {
    name: "nodes without NodeClaims are managed when the snapshot says so (tenon simulate)",
    input: () => {
      const np = pool();
      const nodes = nodesOf(np, c4, ["a", "b"]);
      return { ...clusterInput({ pools: [np], nodes, pods: [pod("x", { node: "b" })] }), nodeClaims: [] };
    },
    opts: { nodesWithoutClaims: true },
    expect: (plan) => expectCommand(plan, "emptiness", ["a"], "delete"),
  },
  {
    name: "nodes without NodeClaims are not managed otherwise",
    input: () => {
      const np = pool();
      return { ...clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["a", "b"]), pods: [pod("x", { node: "b" })] }), nodeClaims: [] };
    },
    expect: (plan) => {
      expectNoCommand(plan);
      assert.equal(plan.explanations.length, 0, "nodes tenon does not manage need no explanation");
    },
  },
  {
    name: "a node no NodePool manages is room for pods, never a candidate",
    input: () => {
      const input = clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a"]), pods: [pod("x", { node: "a", cpu: "1" }), pod("y", { node: "static-1", cpu: "1" })] });
      return { ...input, nodes: [...input.nodes, unmanaged("static-1", "8")] };
    },
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "the nodes of a command in progress are no candidates, and no room for others",
    input: () => ({ ...clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })] }), inProgress: new Set(["a"]) }),
    expect: (plan) => {
      expectCommand(plan, "single", ["b"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.2x"], "a's pod and b's pod share the replacement");
      assert.equal(plan.command!.replacements[0]!.planned.pods.length, 2);
    },
  },
  {
    name: "a NodePool that is not Ready launches no replacement, but its nodes may still be deleted",
    input: () => {
      const np = pool({ ready: false });
      return clusterInput({ pools: [np], nodes: [managedNode("big", { pool: np, type: c8 }), managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })], pods: [pod("x", { node: "big", cpu: "1500m" }), pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })] });
    },
    opts: { methods: ["single"], exhaustive: true },
    expect: (plan) => {
      for (const c of [plan.command, ...plan.options]) assert.equal(c?.replacements.length ?? 0, 0, "no replacement from a pool that is not Ready");
      assert.ok(disrupted(plan).length > 0);
    },
  },
  {
    name: "requireReadyNodePools off lets a NodePool without status launch replacements",
    input: () => {
      const np = pool({ ready: false });
      return clusterInput({ pools: [np], nodes: [managedNode("big", { pool: np, type: c8 })], pods: [pod("x", { node: "big", cpu: "1500m" })] });
    },
    opts: { requireReadyNodePools: false },
    expect: (plan) => expectCommand(plan, "single", ["big"], "replace"),
  },
  {
    name: "a NodePool being deleted launches no replacement",
    input: () => {
      const np = pool({ deleting: true });
      return clusterInput({ pools: [np], nodes: [managedNode("big", { pool: np, type: c8 })], pods: [pod("x", { node: "big", cpu: "1500m" })] });
    },
    expect: (plan) => {
      expectNoCommand(plan);
      assert.ok(plan.explanations.some((e) => e.node === "big" && e.method === "single"));
    },
  },
  {
    name: "a node of an instance type its pool no longer offers says so",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("odd", { pool: pool(), type: c4 })], types: [c2, c8] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "odd", "InstanceTypeNotFound", /Instance Type "c.4x" not found/);
    },
  },
  {
    name: "a node in a zone its type has no offering in says its price is unknown",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("far", { pool: pool(), type: c4, zone: "eu-west-1a" })] }),
    expect: (plan) => expectKept(plan, "far", "InstanceTypeNotFound", /no offering of instance type "c.4x" in zone "eu-west-1a" for capacity type "on-demand", so its price is unknown/),
  },
  {
    name: "a node whose NodePool is gone is left alone",
    input: () => ({ ...clusterInput({ pools: [pool()], nodes: [managedNode("orphan", { pool: nodePool("gone"), type: c4 })] }) }),
    expect: (plan) => expectKept(plan, "orphan", "NodePoolNotFound", /NodePool "gone" not found/),
  },
  {
    name: "a replacement has room for the daemonsets that will run on it",
    input: () => ({
      ...clusterInput({ pools: [pool()], nodes: [managedNode("big", { pool: pool(), type: c8 })], pods: [pod("x", { node: "big", cpu: "1500m" }), pod("agent-big", { node: "big", cpu: "1", owner: "DaemonSet" })] }),
      daemonSets: [daemonSet("agent", { cpu: "1", memory: "128Mi" })],
    }),
    expect: (plan) => {
      expectCommand(plan, "single", ["big"], "replace");
      assert.equal(replacementTypes(plan)[0], "c.4x", "1.5 cpu of pods and 1 cpu of daemonset do not fit a c.2x");
    },
  },
  {
    name: "pods that keep away from each other are not packed onto one replacement",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b"]), pods: [pod("web-0", { node: "a", labels: { app: "web" }, affinity: antiWeb }), pod("web-1", { node: "b", labels: { app: "web" }, affinity: antiWeb })] }),
    expect: (plan) => {
      expectCommand(plan, "single", ["a"], "replace");
      assert.deepEqual(plan.command!.replacements[0]!.planned.pods.map((p) => p.metadata?.name), ["web-0"]);
    },
  },
  {
    name: "a pending pod competes for the room a consolidation would use",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" }), pod("waiting", { pending: true, cpu: "3" })] }),
    opts: { methods: ["single"] },
    expect: (plan) => {
      // Alone, a's pod would fit on b; with the pending pod taking b's room it needs a node of its own.
      expectCommand(plan, "single", ["a"], "replace");
      assert.deepEqual(plan.command!.replacements[0]!.planned.pods.map((p) => p.metadata?.name), ["pa"], "the pending pod is the provisioner's business");
    },
  },
];

scenarios("the pass as a whole", list);
