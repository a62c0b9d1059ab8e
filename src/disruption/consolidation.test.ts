import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fakeInstanceType } from "../cloudprovider/fake/instancetypes.js";
import { MinSavingsAnnotation } from "./annotations.js";
import { T0, clusterInput, managedNode, nodePool, pdb, pod, standardTypes, planChecked } from "../../test/kit/disruption.js";
import type { DisruptionOptions, DisruptionPlan } from "./types.js";

const types = standardTypes(); // c.1x $0.05, c.2x $0.10, c.4x $0.20, c.8x $0.40, c.16x $0.80
const [c1, c2, c4, c8] = [types[0]!, types[1]!, types[2]!, types[3]!];
const opts: DisruptionOptions = { now: T0 };
const explanationOf = (plan: DisruptionPlan, node: string) => plan.explanations.find((e) => e.node === node && e.kind !== "NotEvaluated");

describe("consolidation", () => {
  it("deletes a node whose pods fit on the other nodes", () => {
    const np = nodePool("p");
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })];
    const pods = [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), opts);
    assert.equal(plan.command?.method, "single");
    assert.equal(plan.command?.decision, "delete");
    assert.equal(plan.command?.candidates.length, 1);
    assert.equal(plan.command?.savingsPerHour, 0.2);
    assert.ok(plan.simulations >= 1, "decided by simulating with the solver");
  });

  it("replaces a node with one cheaper node when its pods fit nowhere else", () => {
    const np = nodePool("p");
    const plan = planChecked(clusterInput({ pools: [np], nodes: [managedNode("big", { pool: np, type: c8 })], pods: [pod("x", { node: "big", cpu: "1500m" })] }), opts);
    assert.equal(plan.command?.decision, "replace");
    const r = plan.command!.replacements;
    assert.equal(r.length, 1);
    assert.deepEqual(r[0]!.planned.instanceTypes.map((t) => t.name), ["c.2x", "c.4x"], "only types cheaper than the node, cheapest first");
    assert.equal(r[0]!.pricePerHour, 0.1);
    assert.ok(Math.abs(plan.command!.savingsPerHour - 0.3) < 1e-9);
  });

  it("keeps a node when no cheaper node can take its pods", () => {
    const np = nodePool("p");
    const plan = planChecked(clusterInput({ pools: [np], nodes: [managedNode("small", { pool: np, type: c1 })], pods: [pod("x", { node: "small", cpu: "500m" })] }), opts);
    assert.equal(plan.command, undefined);
    const e = explanationOf(plan, "small")!;
    assert.equal(e.kind, "NotCheaper");
    assert.equal(e.event, "Unconsolidatable");
    assert.match(e.message, /^Can't replace with a cheaper node/);
  });

  it("replaces several nodes with at most one node in multi-node consolidation", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = ["a", "b", "c", "d"].map((n) => managedNode(n, { pool: np, type: c4 }));
    const pods = ["a", "b", "c", "d"].map((n) => pod(`p-${n}`, { node: n, cpu: "500m" }));
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), opts);
    assert.equal(plan.command?.method, "multi");
    assert.ok(plan.command!.candidates.length >= 3, `several nodes at once, got ${plan.command!.candidates.length}`);
    assert.ok(plan.command!.replacements.length <= 1);
    assert.ok(plan.command!.savingsPerHour >= 0.6 - 1e-9);
  });

  it("only considers non-empty consolidation under WhenEmptyOrUnderutilized, and emptiness under both", () => {
    const np = nodePool("p", { consolidationPolicy: "WhenEmpty", budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("busy", { pool: np, type: c4 }), managedNode("busy2", { pool: np, type: c4 }), managedNode("empty", { pool: np, type: c4 })];
    const pods = [pod("x", { node: "busy", cpu: "100m" }), pod("y", { node: "busy2", cpu: "100m" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, exhaustive: true });
    assert.equal(plan.command?.method, "emptiness");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["empty"]);
    assert.equal(plan.options.length, 0);
    const e = explanationOf(plan, "busy")!;
    assert.equal(e.kind, "WhenEmpty");
    assert.equal(e.message, 'NodePool "p" has non-empty consolidation disabled');
  });

  it("waits consolidateAfter since the node's last pod event", () => {
    const np = nodePool("p", { consolidateAfter: "10m", budgets: [{ nodes: "100%" }] });
    const recent = managedNode("recent", { pool: np, type: c4, lastPodEventTime: T0 - 5 * 60_000 });
    const quiet = managedNode("quiet", { pool: np, type: c4, lastPodEventTime: T0 - 15 * 60_000 });
    const plan = planChecked(clusterInput({ pools: [np], nodes: [recent, quiet] }), opts);
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["quiet"]);
    const e = explanationOf(plan, "recent")!;
    assert.equal(e.kind, "ConsolidateAfter");
    assert.match(e.message, /consolidateAfter 10m has not passed since the node's last pod event; consolidatable at 2026-01-05T12:05:00.000Z/);
    assert.deepEqual(
      plan.consolidatable.map((c) => [c.claim, c.consolidatable]).sort(),
      [
        ["quiet", true],
        ["recent", false],
      ],
    );
    const never = planChecked(clusterInput({ pools: [nodePool("p", { consolidateAfter: "Never" })], nodes: [quiet] }), opts);
    assert.equal(never.command, undefined);
    assert.equal(explanationOf(never, "quiet")?.kind, "ConsolidationDisabled");
  });

  it("leaves nodes alone whose pods or node say do-not-disrupt", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4, annotations: { "karpenter.sh/do-not-disrupt": "true" } }), managedNode("c", { pool: np, type: c4 })];
    const pods = [
      pod("keep", { node: "a", annotations: { "karpenter.sh/do-not-disrupt": "true" } }),
      pod("done", { node: "c", phase: "Succeeded", annotations: { "karpenter.sh/do-not-disrupt": "true" } }),
      pod("other", { node: "c" }),
    ];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), opts);
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["c"], "a finished pod's annotation does not block");
    assert.equal(explanationOf(plan, "a")?.kind, "PodDoNotDisrupt");
    assert.match(explanationOf(plan, "a")!.message, /pod default\/keep has the "karpenter.sh\/do-not-disrupt" annotation/);
    assert.equal(explanationOf(plan, "b")?.kind, "DoNotDisrupt");
  });

  it("keeps a node while a pod's do-not-disrupt duration runs, and consolidates it once it has run out", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })];
    const started = (p: ReturnType<typeof pod>) => ({ ...p, status: { ...p.status, startTime: new Date(T0 - 10 * 60_000).toISOString() as unknown as Date } });
    const pods = [started(pod("batch", { node: "a", annotations: { "karpenter.sh/do-not-disrupt": "30m" } })), started(pod("typo", { node: "b", annotations: { "karpenter.sh/do-not-disrupt": "30 minutes" } }))];
    const during = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, exhaustive: true });
    const disrupted = (plan: typeof during) => [plan.command, ...plan.options].flatMap((c) => c?.candidates.map((x) => x.name) ?? []);
    assert.ok(!disrupted(during).includes("a"), "protected for 20 more minutes");
    assert.ok(disrupted(during).includes("b"), "a value that is no duration protects nothing");
    assert.equal(explanationOf(during, "a")?.kind, "PodDoNotDisrupt");
    assert.match(explanationOf(during, "a")!.message, /pod default\/batch has the "karpenter.sh\/do-not-disrupt" annotation \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/);
    const after = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0 + 20 * 60_000, exhaustive: true });
    assert.ok(disrupted(after).includes("a"), "the protection ended at startTime + 30m");
  });

  it("honours PodDisruptionBudgets that allow nothing", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 }), managedNode("c", { pool: np, type: c4 })];
    const pods = [pod("db-0", { node: "a", labels: { app: "db" } }), pod("web-0", { node: "b", labels: { app: "web" } }), pod("web-1", { node: "c", labels: { app: "web" } })];
    const input = clusterInput({ pools: [np], nodes, pods, pdbs: [pdb("db", { app: "db" }, 0), pdb("web", { app: "web" }, 1)] });
    const plan = planChecked(input, { now: T0, exhaustive: true });
    const disrupted = [plan.command, ...plan.options].flatMap((c) => c?.candidates.map((x) => x.name) ?? []);
    assert.ok(!disrupted.includes("a"));
    assert.ok(disrupted.length > 0, "nodes whose budget allows a disruption are consolidated");
    const e = explanationOf(plan, "a")!;
    assert.equal(e.kind, "PodDisruptionBudget");
    assert.match(e.message, /PodDisruptionBudget default\/db allows no disruption of pod default\/db-0/);
    // A pod two budgets select cannot be evicted at all.
    const twice = planChecked(clusterInput({ pools: [np], nodes, pods, pdbs: [pdb("web", { app: "web" }, 1), pdb("web2", { app: "web" }, 5)] }), { now: T0, exhaustive: true });
    assert.match(explanationOf(twice, "b")!.message, /selected by 2 PodDisruptionBudgets/);
  });

  it("replaces spot with spot only behind the feature gate and with at least 15 cheaper types", () => {
    const np = nodePool("spot", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] });
    const node = managedNode("s", { pool: np, type: c8, capacityType: "spot" }); // spot $0.16
    const pods = [pod("x", { node: "s", cpu: "500m" })];
    const off = planChecked(clusterInput({ pools: [np], nodes: [node], pods }), opts);
    assert.equal(explanationOf(off, "s")?.kind, "SpotToSpotDisabled");
    assert.equal(explanationOf(off, "s")?.message, "SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node");
    const few = planChecked(clusterInput({ pools: [np], nodes: [node], pods }), { now: T0, spotToSpotConsolidation: true });
    assert.equal(explanationOf(few, "s")?.kind, "SpotToSpotTooFewTypes");
    assert.match(explanationOf(few, "s")!.message, /requires 15 cheaper instance type options than the current candidate to consolidate, got 3$/);
    const many = [...types, ...Array.from({ length: 20 }, (_, i) => fakeInstanceType({ name: `s.${i + 1}`, cpu: 2, memoryMiB: 4096, price: 1, spotPrice: 0.01 * (i + 1) }))];
    const ok = planChecked(clusterInput({ pools: [np], nodes: [node], pods, types: many }), { now: T0, spotToSpotConsolidation: true });
    assert.equal(ok.command?.decision, "replace");
    const r = ok.command!.replacements[0]!;
    assert.equal(r.planned.instanceTypes.length, 15, "launched among the 15 cheapest only");
    assert.deepEqual(r.planned.capacityTypes, ["spot"]);
  });

  it("pins an on-demand node's replacement to spot when the pool allows both (priced as spot)", () => {
    const np = nodePool("mixed", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }] });
    const plan = planChecked(clusterInput({ pools: [np], nodes: [managedNode("od", { pool: np, type: c8 })], pods: [pod("x", { node: "od", cpu: "1500m" })] }), opts);
    assert.equal(plan.command?.decision, "replace");
    const r = plan.command!.replacements[0]!;
    assert.deepEqual(r.planned.capacityTypes, ["spot"]);
    assert.ok(r.planned.requirements.some((q) => q.key === "karpenter.sh/capacity-type" && q.operator === "In" && q.values?.join() === "spot"));
  });

  it("does not churn nodes for less than the minimum saving", () => {
    const pods = [pod("x", { node: "n", cpu: "1500m" })];
    const at = (pct: string) => {
      const np = nodePool("p", { annotations: { [MinSavingsAnnotation]: pct } });
      return planChecked(clusterInput({ pools: [np], nodes: [managedNode("n", { pool: np, type: c4 })], pods }), opts); // c.4x $0.20 → c.2x $0.10 saves 50%
    };
    const strict = at("60%");
    assert.equal(strict.command, undefined);
    assert.equal(explanationOf(strict, "n")?.kind, "BelowMinSavings");
    assert.match(explanationOf(strict, "n")!.message, /\$0\.0800\/hour \(60% less than \$0\.2000\/hour, tenon.sh\/consolidation-min-savings\)/);
    assert.equal(at("40%").command?.decision, "replace");
    assert.match(planChecked(clusterInput({ pools: [nodePool("p", { annotations: { [MinSavingsAnnotation]: "lots" } })] }), opts).warnings[0]!.message, /is not a percentage/);
  });

  it("names the pod that cannot move and the solver's reason", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("gpu-ish", { pool: np, type: c2, labels: { team: "x" } }), managedNode("other", { pool: np, type: c8 })];
    const pods = [pod("pinned", { node: "gpu-ish", cpu: "100m", nodeSelector: { team: "x" } }), pod("busy", { node: "other", cpu: "6" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, exhaustive: true });
    const e = explanationOf(plan, "gpu-ish")!;
    assert.equal(e.kind, "PodsDoNotFit");
    assert.deepEqual(e.pods, ["default/pinned"]);
    assert.match(e.message, /^pod default\/pinned has nowhere to go: .*team/);
  });

  it("does not count on nodes that are not initialized", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [
      managedNode("a", { pool: np, type: c1, labels: { team: "x" } }),
      managedNode("launching", { pool: np, type: c4, labels: { team: "x" }, initialized: false }),
      managedNode("roomy", { pool: np, type: c4 }),
    ];
    const pods = [pod("pinned", { node: "a", cpu: "100m", nodeSelector: { team: "x" } }), pod("r", { node: "roomy", cpu: "3" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, exhaustive: true });
    const e = explanationOf(plan, "a")!;
    assert.equal(e.kind, "UninitializedTarget");
    assert.match(e.message, /would schedule against uninitialized nodeclaim\/launching/);
    assert.equal(explanationOf(plan, "launching")?.kind, "NotInitialized");
  });

  it("stops looking when its time budget runs out, and says so", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = ["a", "b", "c", "d"].map((n) => managedNode(n, { pool: np, type: c8 }));
    const pods = ["a", "b", "c", "d"].map((n) => pod(`p-${n}`, { node: n, cpu: "5" }));
    let t = 0;
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, elapsed: () => (t += 1000), singleNodeTimeoutMs: 2500, multiNodeTimeoutMs: 1, methods: ["multi", "single"] });
    assert.deepEqual(plan.timeouts, ["multi", "single"]);
    assert.ok(plan.explanations.some((e) => e.kind === "Timeout" && /ran out of time after \d of 4 candidates/.test(e.message)));
  });

  it("gives every candidate left alone a reason", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = ["a", "b", "c"].map((n) => managedNode(n, { pool: np, type: c4 }));
    const pods = ["a", "b", "c"].map((n) => pod(`p-${n}`, { node: n, cpu: "2" }));
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), opts);
    const inCommand = new Set(plan.command?.candidates.map((c) => c.name));
    for (const n of ["a", "b", "c"]) assert.ok(inCommand.has(n) || plan.explanations.some((e) => e.node === n), `${n} has a reason`);
  });
});
