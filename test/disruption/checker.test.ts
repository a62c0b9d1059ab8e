// The checker checks: plans made for one cluster, held against a slightly different one (or
// altered), must fail the invariant they break. Otherwise a checker that asserts nothing would
// pass every scenario.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fakeInstanceType } from "../../src/cloudprovider/fake/instancetypes.js";
import { planDisruption } from "../../src/disruption/index.js";
import type { DisruptionInput, DisruptionOptions, DisruptionPlan } from "../../src/disruption/types.js";
import { checkPlan } from "../kit/disruption-check.js";
import { nodesOf } from "../kit/disruption-expect.js";
import { T0, clusterInput, day, managedNode, minute, nodePool, pdb, pod, standardSizes, standardTypes } from "../kit/disruption.js";

const { c4, c8, c16 } = standardSizes();
const pool = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("p", { budgets: [{ nodes: "100%" }], ...o });
const now: DisruptionOptions = { now: T0 };
const quiet = (np = pool(), extra: Partial<DisruptionInput> = {}) => ({ ...clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["a", "b"]), pods: [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })] }), ...extra });
const replaceable = (np = pool()) => clusterInput({ pools: [np], nodes: [managedNode("big", { pool: np, type: c8 })], pods: [pod("x", { node: "big", cpu: "1500m" })] });
const empties = (np = pool()) => clusterInput({ pools: [np], nodes: nodesOf(np, c4, ["e1", "e2", "e3"]) });

/** Plans `made`, then asserts that checking it against `held` (and `opts`) fails with `message`. */
function caught(made: DisruptionInput, held: DisruptionInput, message: RegExp, opts: DisruptionOptions = now, alter: (p: DisruptionPlan) => void = () => {}, madeOpts: DisruptionOptions = opts): void {
  const plan = planDisruption(made, madeOpts);
  assert.ok(plan.command, "the plan has a command to check");
  alter(plan);
  assert.throws(() => checkPlan(held, opts, plan, { validate: false }), message);
}

describe("planChecked catches", () => {
  test("a budget exceeded", () => caught(empties(), empties(pool({ budgets: [{ nodes: "1" }] })), /budget for Empty allows 1 of 3 nodes, 0 already disrupting, so 1 more, not 3/));
  test("a budget exceeded once the nodes already disrupting are counted", () => {
    const going = (np: ReturnType<typeof pool>) => ({ ...empties(np), nodes: [...empties(np).nodes, managedNode("going", { pool: np, type: c4, deleting: true }).node], nodeClaims: [...empties(np).nodeClaims, managedNode("going", { pool: np, type: c4, deleting: true }).claim] });
    caught(empties(pool({ budgets: [{ nodes: "3" }] })), going(pool({ budgets: [{ nodes: "3" }] })), /1 already disrupting, so 2 more, not 3/);
  });
  test("a node that says do-not-disrupt", () => {
    const held = empties();
    held.nodes = held.nodes.map((n) => (n.metadata?.name === "e1" ? { ...n, metadata: { ...n.metadata, annotations: { "karpenter.sh/do-not-disrupt": "true" } } } : n));
    caught(empties(), held, /node e1 says do-not-disrupt/);
  });
  test("a do-not-disrupt pod moved by consolidation", () => caught(quiet(), { ...quiet(), pods: [...quiet().pods, pod("keep", { node: "a", annotations: { "karpenter.sh/do-not-disrupt": "true" } })] }, /a runs do-not-disrupt pods/, { now: T0, methods: ["single"] }));
  test("a pod a PodDisruptionBudget keeps", () => caught(quiet(), quiet(pool(), { pods: [pod("pa", { node: "a", cpu: "500m", labels: { app: "db" } }), pod("pb", { node: "b", cpu: "500m" })], pdbs: [pdb("db", { app: "db" }, 0)] }), /a runs pods a PodDisruptionBudget keeps/, { now: T0, methods: ["single"] }));
  test("an emptiness command that takes a node with pods", () => caught(empties(), { ...empties(), pods: [pod("x", { node: "e1" })] }, /e1 is empty/, { now: T0, methods: ["emptiness"] }));
  test("consolidation before consolidateAfter", () => {
    const np = pool({ consolidateAfter: "10m" });
    const input = clusterInput({ pools: [np], nodes: [managedNode("big", { pool: np, type: c8, lastPodEventTime: T0 - 5 * minute })], pods: [pod("x", { node: "big", cpu: "1500m" })] });
    caught(input, input, /consolidated before consolidateAfter passed/, now, () => {}, { now: T0 + 10 * minute });
  });
  test("a replacement option that is not cheaper", () =>
    caught(replaceable(), replaceable(), /option c.16x at 0.8 is not cheaper than the 0.4 it replaces/, now, (p) => {
      p.command!.replacements[0]!.planned.instanceTypes.push(c16);
    }));
  test("a replacement option under the minimum saving", () => caught(replaceable(), replaceable(pool({ annotations: { "tenon.sh/consolidation-min-savings": "80%" } })), /saves less than the minimum/));
  test("a replacement priced wrong", () =>
    caught(replaceable(), replaceable(), /replacement priced 0.01, its cheapest option costs 0.1/, now, (p) => {
      p.command!.replacements[0]!.pricePerHour = 0.01;
    }));
  test("a replacement that cannot hold its pods", () =>
    caught(replaceable(), replaceable(), /holds the pods' cpu/, now, (p) => {
      p.command!.replacements[0]!.planned.instanceTypes.push(fakeInstanceType({ name: "tiny", cpu: 1, memoryMiB: 1024, price: 0.35 }));
    }));
  test("a replacement from a NodePool that is not Ready", () => caught(replaceable(), replaceable(pool({ ready: false })), /which is not Ready/));
  test("spot replaced by spot without the feature gate", () => {
    const spot = nodePool("s", { budgets: [{ nodes: "100%" }], requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] });
    const types = [...standardTypes(), ...Array.from({ length: 20 }, (_, i) => fakeInstanceType({ name: `s.${i + 1}`, cpu: 2, memoryMiB: 4096, price: 1, spotPrice: 0.01 * (i + 1) }))];
    const input = clusterInput({ pools: [spot], nodes: [managedNode("s", { pool: spot, type: c8, capacityType: "spot" })], pods: [pod("x", { node: "s", cpu: "500m" })], types });
    caught(input, input, /spot replaced by spot without the SpotToSpotConsolidation gate/, now, () => {}, { now: T0, spotToSpotConsolidation: true });
  });
  test("a pod left without room", () => caught(quiet(), { ...quiet(), pods: [...quiet().pods, pod("hog", { node: "b", cpu: "3" })] }, /pod default\/pa must move and no node that stays has room for it/, { now: T0, methods: ["single"] }));
  test("drift of a node that has not drifted", () => {
    const input = replaceable();
    caught({ ...input, cloudDrift: new Map([["big", "AMIDrift"]]) }, input, /big has drifted|drifted is no/, { now: T0, methods: ["drift"] });
  });
  test("sleep outside a sleep window", () => {
    const np = pool({ annotations: { "tenon.sh/sleep-windows": '[{"schedule":"0 20 * * *","duration":"12h"}]' } });
    caught(quiet(np), quiet(np), /p is inside a sleep window/, { now: Date.parse("2026-01-06T09:00:00Z") }, () => {}, { now: Date.parse("2026-01-05T21:00:00Z") });
  });
  test("limits on a pool within its limits", () => caught(quiet(pool({ limits: { cpu: "4" } })), quiet(pool({ limits: { cpu: "100" } })), /NodePool p is within its limits/, { now: T0, methods: ["limits"] }));
  test("limits taking more nodes than needed", () =>
    caught(empties(pool({ limits: { cpu: "8" } })), empties(pool({ limits: { cpu: "8" } })), /already within its limits before its last node/, { now: T0, methods: ["limits"] }, (p) => {
      const all = planDisruption(empties(pool({ limits: { cpu: "0" } })), { now: T0, methods: ["limits"] }).command!.candidates;
      p.command!.candidates = all;
      p.command!.pricePerHour = all.reduce((sum, c) => sum + c.price, 0);
    }));
  test("a claim past its expireAfter that does not expire", () => {
    const np = pool({ expireAfter: "720h" });
    const input = clusterInput({ pools: [np], nodes: [managedNode("old", { pool: np, type: c4, created: T0 - 31 * day }), ...nodesOf(np, c4, ["e"])] });
    caught(input, input, /the claims past their expireAfter expire, and only they/, now, (p) => {
      p.expired = [];
    });
  });
  test("a node left alone without a reason", () =>
    caught(quiet(), quiet(), /node b was left alone without an explanation/, { now: T0, methods: ["single"] }, (p) => {
      p.explanations = [];
    }));
  test("a node in two commands", () =>
    caught(quiet(), quiet(), /node a is in one command at most/, { now: T0, methods: ["single"] }, (p) => {
      p.options.push(p.command!);
    }));
});
