// Pods that block a voluntary disruption: a PodDisruptionBudget that allows no eviction of a pod
// the drain would evict, a pod selected by two budgets, and karpenter.sh/do-not-disrupt on an
// active pod or on the node itself. Graceful methods (emptiness, consolidation) never take such a
// node; the drain honours budgets through the Eviction API.
import assert from "node:assert/strict";
import { type DisruptionScenario, disrupted, expectCommand, expectKept, nodesOf, scenarios } from "../../kit/disruption-expect.js";
import { planChecked } from "../../kit/disruption-check.js";
import { T0, clusterInput, day, managedNode, nodePool, pdb, pod, standardSizes } from "../../kit/disruption.js";
import type { V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";

const { c4 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
/** Node a runs the pod under test (and so is the one to consolidate); b has room for it. */
const withPod = (p: V1Pod, pdbs: V1PodDisruptionBudget[] = []) =>
  clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b"]), pods: [p, pod("b1", { node: "b" }), pod("b2", { node: "b" })], pdbs });
const single = { methods: ["single" as const] };
const db = (o: Parameters<typeof pod>[1] = {}) => pod("db-0", { node: "a", labels: { app: "db" }, ...o });
/** As the kubelet reports it: the pod started at `at`. */
const startedAt = (p: V1Pod, at: number): V1Pod => ({ ...p, status: { ...p.status, startTime: new Date(at).toISOString() as unknown as Date } });
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

const list: DisruptionScenario[] = [
  {
    name: "a PodDisruptionBudget that allows no eviction keeps the node",
    input: () => withPod(db(), [pdb("db", { app: "db" }, 0)]),
    opts: single,
    expect: (plan) => {
      const e = expectKept(plan, "a", "PodDisruptionBudget", /^PodDisruptionBudget default\/db allows no disruption of pod default\/db-0 now \(disruptionsAllowed 0\)$/, "single");
      assert.deepEqual(e.pods, ["default/db-0"]);
      assert.equal(e.event, "Unconsolidatable");
    },
  },
  {
    name: "a PodDisruptionBudget that allows one eviction lets the node go",
    input: () => withPod(db(), [pdb("db", { app: "db" }, 1)]),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a pod selected by two PodDisruptionBudgets cannot be evicted at all",
    input: () => withPod(db(), [pdb("db", { app: "db" }, 1), pdb("all-db", { app: "db" }, 5)]),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDisruptionBudget", /pod default\/db-0 is selected by 2 PodDisruptionBudgets \(default\/all-db, default\/db\); the Eviction API refuses such pods/),
  },
  {
    name: "a PodDisruptionBudget of another namespace does not apply",
    input: () => withPod(db(), [pdb("db", { app: "db" }, 0, { namespace: "other" })]),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a PodDisruptionBudget selecting by expression applies",
    input: () => withPod(db(), [{ ...pdb("db", {}, 0), spec: { selector: { matchExpressions: [{ key: "app", operator: "In", values: ["db", "cache"] }] } } }]),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDisruptionBudget"),
  },
  {
    name: "a PodDisruptionBudget with an empty selector selects every pod of its namespace",
    input: () => withPod(db(), [{ ...pdb("everything", {}, 0), spec: { selector: {} } }]),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDisruptionBudget", /default\/everything/),
  },
  {
    name: "a PodDisruptionBudget without a selector selects nothing",
    input: () => withPod(db(), [{ ...pdb("nothing", {}, 0), spec: {} }]),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "an unhealthy pod may go when its budget says AlwaysAllow",
    input: () => withPod(db({ conditions: [{ type: "Ready", status: "False" }] }), [pdb("db", { app: "db" }, 0, { alwaysAllowUnhealthy: true })]),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a healthy pod is still kept when its budget says AlwaysAllow",
    input: () => withPod(db(), [pdb("db", { app: "db" }, 0, { alwaysAllowUnhealthy: true })]),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDisruptionBudget"),
  },
  {
    name: "a pod tolerating karpenter.sh/disrupted is not evicted, so its budget does not block",
    input: () => withPod(db({ spec: { tolerations: [{ key: "karpenter.sh/disrupted", operator: "Exists", effect: "NoSchedule" }], containers: [{ name: "c", image: "pause", resources: { requests: { cpu: "100m" } } }] } }), [pdb("db", { app: "db" }, 0)]),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a finished pod under a budget that allows nothing does not block",
    input: () => withPod(db({ phase: "Succeeded" }), [pdb("db", { app: "db" }, 0)]),
    opts: { methods: ["emptiness" as const] },
    expect: (plan) => expectCommand(plan, "emptiness", ["a"], "delete"),
  },
  {
    name: "a mirror pod under a budget that allows nothing does not block",
    input: () => withPod(db({ owner: "Node" }), [pdb("db", { app: "db" }, 0)]),
    opts: { methods: ["emptiness" as const] },
    expect: (plan) => expectCommand(plan, "emptiness", ["a"], "delete"),
  },
  {
    name: "a DaemonSet pod under a budget that allows nothing keeps an empty node",
    input: () => withPod(db({ owner: "DaemonSet" }), [pdb("db", { app: "db" }, 0)]),
    opts: { methods: ["emptiness" as const] },
    expect: (plan) => expectKept(plan, "a", "PodDisruptionBudget", undefined, "emptiness"),
  },
  {
    name: "a do-not-disrupt pod keeps its node from consolidation",
    input: () => withPod(db({ annotations: dnd })),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDoNotDisrupt", /^pod default\/db-0 has the "karpenter.sh\/do-not-disrupt" annotation$/, "single"),
  },
  {
    name: "do-not-disrupt other than \"true\" does not block",
    input: () => withPod(db({ annotations: { "karpenter.sh/do-not-disrupt": "false" } })),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a do-not-disrupt duration keeps the node until the pod has run that long (Karpenter v1.14)",
    input: () => withPod(startedAt(db({ annotations: { "karpenter.sh/do-not-disrupt": "1h" } }), T0 - 10 * 60_000)),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDoNotDisrupt", new RegExp(`^pod default/db-0 has the "karpenter.sh/do-not-disrupt" annotation \\(until ${rfc3339(T0 + 50 * 60_000)}\\)$`), "single"),
  },
  {
    name: "a do-not-disrupt duration that has run out no longer blocks",
    input: () => withPod(startedAt(db({ annotations: { "karpenter.sh/do-not-disrupt": "1h" } }), T0 - 61 * 60_000)),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a do-not-disrupt duration keeps a pod that has not started yet",
    input: () => withPod(db({ annotations: { "karpenter.sh/do-not-disrupt": "1m" } })),
    opts: single,
    expect: (plan) => expectKept(plan, "a", "PodDoNotDisrupt", /^pod default\/db-0 has the "karpenter.sh\/do-not-disrupt" annotation$/, "single"),
  },
  {
    name: "a duration that is not positive is ignored",
    input: () => withPod(startedAt(db({ annotations: { "karpenter.sh/do-not-disrupt": "0s" } }), T0)),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "on the node only \"true\" counts: a duration there does not block",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4, annotations: { "karpenter.sh/do-not-disrupt": "1h" } }), managedNode("b", { pool: pool(), type: c4 })], pods: [pod("x", { node: "a" }), pod("y", { node: "b" }), pod("z", { node: "b" })] }),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "a terminating do-not-disrupt pod no longer blocks",
    input: () => withPod(db({ annotations: dnd, deleting: true })),
    opts: { methods: ["emptiness" as const] },
    expect: (plan) => expectCommand(plan, "emptiness", ["a"], "delete"),
  },
  {
    name: "do-not-disrupt on the node blocks every method, with a DisruptionBlocked event",
    input: () => ({ ...withPod(db()), cloudDrift: new Map([["a", "AMIDrift" as const]]), nodes: withPod(db()).nodes.map((n) => (n.metadata?.name === "a" ? { ...n, metadata: { ...n.metadata, annotations: dnd } } : n)) }),
    expect: (plan) => {
      const e = expectKept(plan, "a", "DoNotDisrupt", /disruption is blocked through the "karpenter.sh\/do-not-disrupt" annotation/);
      assert.equal(e.event, "DisruptionBlocked");
    },
  },
  {
    name: "do-not-disrupt on the NodeClaim blocks too",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("a", { pool: pool(), type: c4, claimAnnotations: dnd }), managedNode("b", { pool: pool(), type: c4 })], pods: [pod("x", { node: "a" }), pod("y", { node: "b" })] }),
    opts: single,
    expect: (plan) => {
      expectKept(plan, "a", "DoNotDisrupt");
      assert.ok(!disrupted(plan).includes("a"));
    },
  },
  {
    name: "a budget that allows nothing does not stop expiration",
    input: () => {
      const np = pool({ expireAfter: "720h" });
      return clusterInput({ pools: [np], nodes: [managedNode("a", { pool: np, type: c4, created: T0 - 31 * day })], pods: [db()], pdbs: [pdb("db", { app: "db" }, 0)] });
    },
    expect: (plan) => assert.deepEqual(plan.expired.map((e) => e.claim.metadata.name), ["a"]),
  },
  {
    name: "multi-node consolidation may take several nodes whose pods share a budget: the Eviction API spaces them out",
    input: () => withWeb(),
    opts: { methods: ["multi" as const] },
    expect: (plan) => {
      // As Karpenter: each node's pods may be evicted now, so all three go in one command onto one
      // small node; the drain evicts web-1 once web-0 runs again. The stricter per-command reading
      // of the budget (pdbPerCommand) flags it.
      expectCommand(plan, "multi", ["a", "b", "c"], "replace");
      assert.throws(() => planChecked(withWeb(), { now: T0, methods: ["multi"] }, { pdbPerCommand: true }), /evicts 2 pods of PodDisruptionBudget web/);
    },
  },
];

/** Three quiet nodes; web-0 and web-1 on two of them under a budget that allows one eviction. */
function withWeb() {
  return clusterInput({
    pools: [pool()],
    nodes: nodesOf(pool(), c4, ["a", "b", "c"]),
    pods: [pod("web-0", { node: "a", labels: { app: "web" } }), pod("web-1", { node: "b", labels: { app: "web" } }), pod("other", { node: "c" })],
    pdbs: [pdb("web", { app: "web" }, 1)],
  });
}

scenarios("PodDisruptionBudgets and do-not-disrupt", list);
