// Expiration: a NodeClaim past its expireAfter is deleted forcefully, whatever the budgets,
// annotations and pods say (Karpenter v1), and counts as disrupting while it goes.
import assert from "node:assert/strict";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, nodesOf, replacementTypes, scenarios } from "../../kit/disruption-expect.js";
import { T0, clusterInput, day, hour, managedNode, nodePool, pod, standardSizes } from "../../kit/disruption.js";

const { c2, c4 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const expired = (plan: { expired: { claim: { metadata: { name?: string } } }[] }) => plan.expired.map((e) => e.claim.metadata.name).sort();
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { expireAfter: "720h", budgets: [{ nodes: "100%" }], ...o });

const list: DisruptionScenario[] = [
  {
    name: "a claim past expireAfter expires at its creation time plus expireAfter",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("old", { pool: pool(), type: c4, created: T0 - 31 * day })] }),
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["old"]);
      assert.equal(plan.expired[0]!.expiredAt, T0 - day);
      assert.equal(plan.expired[0]!.node?.metadata?.name, "old");
    },
  },
  {
    name: "a claim younger than expireAfter does not expire",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("young", { pool: pool(), type: c4, created: T0 - 29 * day })], pods: [pod("x", { node: "young" })] }),
    expect: (plan) => assert.deepEqual(expired(plan), []),
  },
  {
    name: "a claim expires the moment expireAfter has passed",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("edge", { pool: pool(), type: c4, created: T0 - 30 * day })], pods: [pod("x", { node: "edge" })] }),
    expect: (plan) => assert.deepEqual(expired(plan), ["edge"]),
  },
  {
    name: "expireAfter Never never expires",
    input: () => clusterInput({ pools: [pool({ expireAfter: "Never" })], nodes: [managedNode("forever", { pool: pool({ expireAfter: "Never" }), type: c4, created: T0 - 400 * day })], pods: [pod("x", { node: "forever" })] }),
    expect: (plan) => assert.deepEqual(expired(plan), []),
  },
  {
    name: "the claim's own expireAfter counts, not its pool's",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("short", { pool: pool(), type: c4, created: T0 - 2 * day, expireAfter: "24h" }), managedNode("long", { pool: pool(), type: c4, created: T0 - 40 * day, expireAfter: "2000h" })], pods: [pod("x", { node: "short" }), pod("y", { node: "long" })] }),
    expect: (plan) => assert.deepEqual(expired(plan), ["short"]),
  },
  {
    name: "expiry ignores a disruption budget of zero",
    input: () => clusterInput({ pools: [pool({ budgets: [{ nodes: "0" }] })], nodes: nodesOf(pool({ budgets: [{ nodes: "0" }] }), c4, ["a", "b"], { created: T0 - 31 * day }), pods: [pod("x", { node: "a" }), pod("y", { node: "b" })] }),
    expect: (plan) => assert.deepEqual(expired(plan), ["a", "b"]),
  },
  {
    name: "expiry ignores do-not-disrupt on the node and on its pods",
    input: () =>
      clusterInput({
        pools: [pool()],
        nodes: [managedNode("annotated", { pool: pool(), type: c4, created: T0 - 31 * day, annotations: dnd }), managedNode("pinned", { pool: pool(), type: c4, created: T0 - 31 * day })],
        pods: [pod("keep", { node: "pinned", annotations: dnd }), pod("x", { node: "annotated" })],
      }),
    expect: (plan) => assert.deepEqual(expired(plan), ["annotated", "pinned"]),
  },
  {
    name: "a claim already being deleted does not expire again",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("going", { pool: pool(), type: c4, created: T0 - 31 * day, deleting: true })] }),
    expect: (plan) => assert.deepEqual(expired(plan), []),
  },
  {
    name: "a claim still without a Node expires too",
    input: () => {
      const np = pool();
      const { claim } = managedNode("stuck", { pool: np, type: c4, created: T0 - 31 * day });
      return { ...clusterInput({ pools: [np] }), nodeClaims: [claim] };
    },
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["stuck"]);
      assert.equal(plan.expired[0]!.node, undefined);
    },
  },
  {
    name: "an expiring node counts as disrupting: the budget it uses is not used twice",
    input: () => {
      const np = pool({ budgets: [{ nodes: "1" }] });
      return clusterInput({ pools: [np], nodes: [managedNode("old", { pool: np, type: c4, created: T0 - 31 * day }), managedNode("empty", { pool: np, type: c4 }), managedNode("busy", { pool: np, type: c4 })], pods: [pod("x", { node: "old" }), pod("y", { node: "busy" })] });
    },
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["old"]);
      expectNoCommand(plan);
      expectKept(plan, "empty", "Budget", /budget for disruption reason Empty is used up: 1 of 1 allowed node is already disrupting/);
    },
  },
  {
    name: "an expiring node is no candidate for any other method",
    input: () => {
      const np = pool();
      return clusterInput({ pools: [np], nodes: [managedNode("old", { pool: np, type: c4, created: T0 - 31 * day }), managedNode("busy", { pool: np, type: c4 })], pods: [pod("y", { node: "busy", cpu: "3" })] });
    },
    opts: { methods: ["emptiness"] },
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["old"]);
      expectNoCommand(plan);
      assert.equal(plan.eligible.emptiness, 0, "the empty expiring node is not an emptiness candidate");
    },
  },
  {
    // Regression: the consolidation simulation used to count on room in a node that expires in the
    // same pass, and deleted the other node with nowhere left for its pods.
    name: "consolidation does not move pods onto a node that expires this pass",
    input: () => {
      const np = pool();
      return clusterInput({ pools: [np], nodes: [managedNode("old", { pool: np, type: c4, created: T0 - 31 * day }), managedNode("busy", { pool: np, type: c2 })], pods: [pod("y", { node: "busy", cpu: "1500m" })] });
    },
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["old"]);
      expectNoCommand(plan);
      expectKept(plan, "busy", "NotCheaper");
    },
  },
  {
    name: "pods of an expiring node need room too: they take the room a consolidation would have used",
    input: () => {
      const np = pool();
      return clusterInput({
        pools: [np],
        nodes: [managedNode("old", { pool: np, type: c4, created: T0 - 31 * day }), managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })],
        pods: [pod("o", { node: "old", cpu: "3" }), pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })],
      });
    },
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["old"]);
      // Without the expiring node's 3 cpu pod a and b would share b; with it, a is replaced by a small node.
      expectCommand(plan, "single", ["a"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.1x", "c.2x"]);
      assert.deepEqual(plan.command!.replacements[0]!.planned.pods.map((p) => p.metadata?.name), ["pa"]);
    },
  },
  {
    name: "expired claims are reported even when another method acts",
    input: () => {
      const np = pool();
      return clusterInput({ pools: [np], nodes: [managedNode("old", { pool: np, type: c4, created: T0 - 31 * day }), managedNode("empty", { pool: np, type: c4 }), managedNode("busy", { pool: np, type: c4 })], pods: [pod("x", { node: "old" }), pod("y", { node: "busy" })] });
    },
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["old"]);
      expectCommand(plan, "emptiness", ["empty"], "delete");
    },
  },
  {
    name: "a claim created an hour ago with expireAfter 30m expires",
    input: () => clusterInput({ pools: [pool({ expireAfter: "30m" })], nodes: [managedNode("n", { pool: pool({ expireAfter: "30m" }), type: c4, created: T0 - hour })] }),
    expect: (plan) => {
      assert.deepEqual(expired(plan), ["n"]);
      assert.equal(plan.expired[0]!.expiredAt, T0 - hour / 2);
    },
  },
];

scenarios("expiration", list);
