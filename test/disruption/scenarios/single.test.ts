// Single-node consolidation: one node at a time, cheapest to disrupt first, deleted when its pods
// fit on the other nodes, or replaced by one cheaper node; every node looked at and kept says why.
import assert from "node:assert/strict";
import { fakeInstanceType } from "../../../src/cloudprovider/fake/instancetypes.js";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, near, nodesOf, replacementTypes, scenarios } from "../../kit/disruption-expect.js";
import { T0, clusterInput, day, managedNode, minute, nodePool, pod, standardSizes, standardTypes } from "../../kit/disruption.js";

const { c1, c2, c4, c8, c16 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
const single = { methods: ["single" as const] };
const minSavings = (pct: string) => pool({ annotations: { "tenon.sh/consolidation-min-savings": pct } });
const spotPool = () => nodePool("spot", { budgets: [{ nodes: "100%" }], requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] });
/** 20 two-cpu types whose spot prices climb from $0.01 (on-demand $1, so never chosen on demand). */
const manySpotTypes = () => [...standardTypes(), ...Array.from({ length: 20 }, (_, i) => fakeInstanceType({ name: `s.${i + 1}`, cpu: 2, memoryMiB: 4096, price: 1, spotPrice: 0.01 * (i + 1) }))];

const list: DisruptionScenario[] = [
  {
    name: "a node whose pods fit on another node is deleted",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c4, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })] }),
    opts: single,
    expect: (plan) => {
      const cmd = expectCommand(plan, "single", ["a"], "delete");
      near(cmd.savingsPerHour, 0.2, "savings");
    },
  },
  {
    name: "a node whose pods fit nowhere else is replaced by the cheaper types that hold them",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("big", { pool: pool(), type: c8 })], pods: [pod("x", { node: "big", cpu: "1500m" })] }),
    expect: (plan) => {
      const cmd = expectCommand(plan, "single", ["big"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.2x", "c.4x"]);
      near(cmd.replacementPricePerHour, 0.1, "replacement price");
      near(cmd.savingsPerHour, 0.3, "savings");
    },
  },
  {
    name: "an oversized node is replaced by the smallest type that holds its pods",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("huge", { pool: pool(), type: c16 })], pods: [pod("x", { node: "huge", cpu: "3" })] }),
    expect: (plan) => {
      expectCommand(plan, "single", ["huge"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.4x", "c.8x"]);
    },
  },
  {
    name: "a node already on the smallest type that holds its pods stays: not cheaper",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("small", { pool: pool(), type: c1 })], pods: [pod("x", { node: "small", cpu: "500m" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      const e = expectKept(plan, "small", "NotCheaper", /^Can't replace with a cheaper node/, "single");
      assert.equal(e.event, "Unconsolidatable");
    },
  },
  {
    name: "a pod only its own type can hold keeps the node",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("snug", { pool: pool(), type: c4 })], pods: [pod("x", { node: "snug", cpu: "3500m" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "snug", "NotCheaper", /no instance type cheaper than \$0\.2000\/hour holds/);
    },
  },
  {
    name: "a saving below tenon.sh/consolidation-min-savings holds the replacement back",
    input: () => clusterInput({ pools: [minSavings("60%")], nodes: [managedNode("n", { pool: minSavings("60%"), type: c4 })], pods: [pod("x", { node: "n", cpu: "1500m" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "n", "BelowMinSavings", /\$0\.0800\/hour \(60% less than \$0\.2000\/hour, tenon.sh\/consolidation-min-savings\)/);
    },
  },
  {
    name: "a saving above the minimum goes ahead",
    input: () => clusterInput({ pools: [minSavings("40%")], nodes: [managedNode("n", { pool: minSavings("40%"), type: c4 })], pods: [pod("x", { node: "n", cpu: "1500m" })] }),
    expect: (plan) => {
      expectCommand(plan, "single", ["n"], "replace");
      assert.deepEqual(replacementTypes(plan), ["c.2x"], "only types at least 40% cheaper");
    },
  },
  {
    name: "the minimum saving never holds back a deletion",
    input: () => clusterInput({ pools: [minSavings("90%")], nodes: nodesOf(minSavings("90%"), c4, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })] }),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["a"], "delete"),
  },
  {
    name: "an unreadable minimum saving is ignored, with a warning",
    input: () => clusterInput({ pools: [minSavings("lots")], nodes: [managedNode("n", { pool: minSavings("lots"), type: c4 })], pods: [pod("x", { node: "n", cpu: "1500m" })] }),
    expect: (plan) => {
      expectCommand(plan, "single", ["n"], "replace");
      assert.match(plan.warnings[0]!.message, /tenon.sh\/consolidation-min-savings="lots" is not a percentage below 100%/);
    },
  },
  {
    name: "a WhenEmpty pool does not consolidate nodes with pods",
    input: () => clusterInput({ pools: [pool({ consolidationPolicy: "WhenEmpty" })], nodes: nodesOf(pool({ consolidationPolicy: "WhenEmpty" }), c4, ["a", "b"]), pods: [pod("pa", { node: "a" }), pod("pb", { node: "b" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "WhenEmpty", /NodePool "p" has non-empty consolidation disabled/, "single");
    },
  },
  {
    name: "a node whose last pod event is recent waits for consolidateAfter",
    input: () => {
      const np = pool({ consolidateAfter: "30m" });
      return clusterInput({ pools: [np], nodes: [managedNode("a", { pool: np, type: c8, lastPodEventTime: T0 - 10 * minute })], pods: [pod("x", { node: "a", cpu: "1" })] });
    },
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "ConsolidateAfter", /consolidateAfter 30m has not passed.*consolidatable at 2026-01-05T12:20:00.000Z/, "single");
    },
  },
  {
    name: "consolidateAfter Never turns consolidation off",
    input: () => clusterInput({ pools: [pool({ consolidateAfter: "Never" })], nodes: [managedNode("a", { pool: pool({ consolidateAfter: "Never" }), type: c8 })], pods: [pod("x", { node: "a", cpu: "1" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "a", "ConsolidationDisabled", /NodePool "p" has consolidation disabled/, "single");
      assert.equal(plan.consolidatable.find((c) => c.claim === "a")?.consolidatable, false);
    },
  },
  {
    name: "a pod that can go nowhere keeps its node, and is named",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("special", { pool: pool(), type: c2, labels: { team: "x" } }), managedNode("other", { pool: pool(), type: c8 })], pods: [pod("pinned", { node: "special", nodeSelector: { team: "x" } }), pod("busy", { node: "other", cpu: "6" })] }),
    opts: { ...single, exhaustive: true },
    expect: (plan) => {
      const e = expectKept(plan, "special", "PodsDoNotFit", /^pod default\/pinned has nowhere to go: .*team/, "single");
      assert.deepEqual(e.pods, ["default/pinned"]);
    },
  },
  {
    name: "a node whose pods would need a node still initializing stays",
    input: () =>
      clusterInput({
        pools: [pool()],
        nodes: [managedNode("a", { pool: pool(), type: c1, labels: { team: "x" } }), managedNode("launching", { pool: pool(), type: c4, labels: { team: "x" }, initialized: false }), managedNode("roomy", { pool: pool(), type: c4 })],
        pods: [pod("pinned", { node: "a", nodeSelector: { team: "x" } }), pod("r", { node: "roomy", cpu: "3" })],
      }),
    opts: { exhaustive: true },
    expect: (plan) => expectKept(plan, "a", "UninitializedTarget", /would schedule against uninitialized nodeclaim\/launching/),
  },
  {
    name: "spot is not replaced by spot without the SpotToSpotConsolidation gate",
    input: () => clusterInput({ pools: [spotPool()], nodes: [managedNode("s", { pool: spotPool(), type: c8, capacityType: "spot" })], pods: [pod("x", { node: "s", cpu: "500m" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "s", "SpotToSpotDisabled", /^SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node$/);
    },
  },
  {
    name: "spot-to-spot needs 15 cheaper types to choose from",
    input: () => clusterInput({ pools: [spotPool()], nodes: [managedNode("s", { pool: spotPool(), type: c8, capacityType: "spot" })], pods: [pod("x", { node: "s", cpu: "500m" })] }),
    opts: { spotToSpotConsolidation: true },
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "s", "SpotToSpotTooFewTypes", /requires 15 cheaper instance type options than the current candidate to consolidate, got 3$/);
    },
  },
  {
    name: "spot-to-spot with enough cheaper types launches among the 15 cheapest",
    input: () => clusterInput({ pools: [spotPool()], nodes: [managedNode("s", { pool: spotPool(), type: c8, capacityType: "spot" })], pods: [pod("x", { node: "s", cpu: "500m" })], types: manySpotTypes() }),
    opts: { spotToSpotConsolidation: true },
    expect: (plan) => {
      expectCommand(plan, "single", ["s"], "replace");
      const r = plan.command!.replacements[0]!;
      assert.equal(r.planned.instanceTypes.length, 15);
      assert.deepEqual(r.planned.capacityTypes, ["spot"]);
      near(r.pricePerHour, 0.01, "the cheapest spot option");
    },
  },
  {
    name: "an on-demand node is replaced by spot when its pool allows both (priced as spot)",
    input: () => {
      const np = nodePool("mixed", { budgets: [{ nodes: "100%" }], requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }] });
      return clusterInput({ pools: [np], nodes: [managedNode("od", { pool: np, type: c8 })], pods: [pod("x", { node: "od", cpu: "1500m" })] });
    },
    expect: (plan) => {
      expectCommand(plan, "single", ["od"], "replace");
      assert.deepEqual(plan.command!.replacements[0]!.planned.capacityTypes, ["spot"]);
      near(plan.command!.replacementPricePerHour, 0.04, "c.2x spot");
    },
  },
  {
    name: "an on-demand pool's replacement stays on demand",
    input: () => clusterInput({ pools: [pool()], nodes: [managedNode("od", { pool: pool(), type: c8 })], pods: [pod("x", { node: "od", cpu: "1500m" })] }),
    expect: (plan) => {
      expectCommand(plan, "single", ["od"], "replace");
      assert.deepEqual(plan.command!.replacements[0]!.planned.capacityTypes, ["on-demand"]);
    },
  },
  {
    name: "an Underutilized budget of zero holds single-node consolidation back",
    input: () => clusterInput({ pools: [pool({ budgets: [{ nodes: "0", reasons: ["Underutilized"] }] })], nodes: [managedNode("big", { pool: pool(), type: c8 })], pods: [pod("x", { node: "big", cpu: "1" })] }),
    expect: (plan) => {
      expectNoCommand(plan);
      expectKept(plan, "big", "Budget", /No allowed disruption reason Underutilized in NodePool "p" due to blocking budget/, "single");
    },
  },
  {
    name: "the node cheapest to disrupt goes first",
    input: () =>
      clusterInput({
        pools: [pool()],
        nodes: nodesOf(pool(), c4, ["a", "b", "roomy"]),
        pods: [pod("a1", { node: "a", cpu: "200m" }), pod("a2", { node: "a", cpu: "200m" }), pod("a3", { node: "a", cpu: "200m" }), pod("b1", { node: "b", cpu: "200m" }), pod("r1", { node: "roomy", cpu: "200m" }), pod("r2", { node: "roomy", cpu: "200m" })],
      }),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["b"], "delete"),
  },
  {
    name: "a pod's deletion cost makes its node dearer to disrupt",
    input: () =>
      clusterInput({
        pools: [pool()],
        nodes: nodesOf(pool(), c4, ["a", "b", "roomy"]),
        pods: [pod("precious", { node: "a", cpu: "200m", annotations: { "controller.kubernetes.io/pod-deletion-cost": "1000000000" } }), pod("b1", { node: "b", cpu: "200m" }), pod("r1", { node: "roomy", cpu: "200m" }), pod("r2", { node: "roomy", cpu: "200m" })],
      }),
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["b"], "delete"),
  },
  {
    name: "a node near the end of its life is cheaper to disrupt",
    input: () => {
      const np = pool({ expireAfter: "720h" });
      return clusterInput({
        pools: [np],
        nodes: [managedNode("young", { pool: np, type: c4, created: T0 - day }), managedNode("zold", { pool: np, type: c4, created: T0 - 700 * 3_600_000 }), managedNode("roomy", { pool: np, type: c4, created: T0 - day })],
        pods: [pod("y1", { node: "young", cpu: "200m" }), pod("z1", { node: "zold", cpu: "200m" }), pod("r1", { node: "roomy", cpu: "200m" }), pod("r2", { node: "roomy", cpu: "200m" })],
      });
    },
    opts: single,
    expect: (plan) => expectCommand(plan, "single", ["zold"], "delete"),
  },
  {
    name: "exhaustive mode looks at every node and reports the other commands as options",
    input: () => clusterInput({ pools: [pool()], nodes: nodesOf(pool(), c8, ["a", "b", "c"]), pods: [pod("pa", { node: "a", cpu: "1" }), pod("pb", { node: "b", cpu: "1" }), pod("pc", { node: "c", cpu: "1" })] }),
    opts: { ...single, exhaustive: true },
    expect: (plan) => {
      assert.equal(plan.command?.method, "single");
      assert.ok(plan.options.length >= 1, "other nodes are options");
      assert.ok(plan.options.every((o) => o.method === "single" && o.candidates.length === 1));
    },
  },
  {
    name: "a pod that asks not to be disrupted keeps its node; a finished one does not",
    input: () =>
      clusterInput({
        pools: [pool()],
        nodes: nodesOf(pool(), c4, ["a", "c", "roomy"]),
        pods: [pod("keep", { node: "a", annotations: dnd }), pod("done", { node: "c", phase: "Succeeded", annotations: dnd }), pod("other", { node: "c" }), pod("r", { node: "roomy" })],
      }),
    opts: { ...single, exhaustive: true },
    expect: (plan) => {
      expectKept(plan, "a", "PodDoNotDisrupt", /pod default\/keep has the "karpenter.sh\/do-not-disrupt" annotation/, "single");
      assert.ok([plan.command, ...plan.options].some((c) => c?.candidates.some((x) => x.name === "c")), "c may go");
    },
  },
];

scenarios("single-node consolidation", list);
