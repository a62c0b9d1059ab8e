import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { driftOf } from "./drift.js";
import { T0, clusterInput, iso, managedNode, nodePool, pod, standardTypes, planChecked } from "../../test/kit/disruption.js";
import { validateCommand } from "./validate.js";
import { planDisruption } from "./plan.js";
import { ClusterModel } from "../state/model.js";

const types = standardTypes();
const [c1, c2, c4, c8] = [types[0]!, types[1]!, types[2]!, types[3]!];
const day = 86_400_000;

describe("drift", () => {
  it("finds a changed NodePool template, requirements no longer met, and the cloud provider's reasons", () => {
    const np = nodePool("p");
    const { claim } = managedNode("n", { pool: np, type: c4 });
    assert.equal(driftOf(claim, np, undefined).reason, undefined);
    const changed = nodePool("p", { labels: { team: "new" } });
    assert.equal(driftOf(claim, changed, undefined).reason, "NodePoolDrifted");
    const spotOnly = nodePool("p", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] });
    const req = driftOf(claim, spotOnly, undefined);
    assert.equal(req.reason, "RequirementsDrifted");
    assert.match(req.message!, /labels no longer satisfy NodePool "p" requirements/);
    assert.equal(driftOf(claim, np, "AMIDrift").reason, "AMIDrift");
    const { claim: unlaunched } = managedNode("u", { pool: np, type: c4 });
    unlaunched.status!.conditions = unlaunched.status!.conditions!.map((c) => (c.type === "Launched" ? { ...c, status: "False", reason: "LaunchFailed", lastTransitionTime: iso(T0) } : c));
    assert.equal(driftOf(unlaunched, changed, "AMIDrift").reason, undefined, "only launched claims drift");
  });

  it("replaces a drifted node with whatever its pods need, one at a time, before any consolidation", () => {
    const np = nodePool("p", { labels: { team: "new" }, budgets: [{ nodes: "100%" }] });
    const old = nodePool("p"); // the template the nodes were launched from
    const nodes = [managedNode("drifted", { pool: old, type: c4 }), managedNode("empty", { pool: np, type: c2 })];
    const pods = [pod("x", { node: "drifted", cpu: "3" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0 });
    assert.equal(plan.command?.method, "drift", "drift goes before emptiness");
    assert.equal(plan.command?.decision, "replace");
    assert.equal(plan.command?.candidates[0]!.name, "drifted");
    assert.equal(plan.drift.find((d) => d.claim === "drifted")?.reason, "NodePoolDrifted");
  });

  it("deletes empty drifted nodes at once within the Drifted budget", () => {
    const np = nodePool("p", { budgets: [{ nodes: "2", reasons: ["Drifted"] }] });
    const nodes = ["a", "b", "c"].map((n) => managedNode(n, { pool: np, type: c4 }));
    const plan = planChecked(clusterInput({ pools: [np], nodes, types }), { now: T0, methods: ["drift"] });
    assert.equal(plan.command, undefined, "nothing has drifted");
    const drifting = planChecked({ ...clusterInput({ pools: [np], nodes }), cloudDrift: new Map([["a", "AMIDrift"], ["b", "AMIDrift"], ["c", "SubnetDrift"]]) }, { now: T0, methods: ["drift"] });
    assert.equal(drifting.command?.decision, "delete");
    assert.equal(drifting.command?.candidates.length, 2);
    assert.equal(drifting.explanations.find((e) => e.kind === "Budget")?.method, "drift");
  });

  it("lets drift through do-not-disrupt pods only when a terminationGracePeriod bounds the drain", () => {
    const pods = [pod("keep", { node: "n", annotations: { "karpenter.sh/do-not-disrupt": "true" } }), pod("w", { node: "other" })];
    const run = (tgp?: string) => {
      const np = nodePool("p", { budgets: [{ nodes: "100%" }], ...(tgp ? { terminationGracePeriod: tgp } : {}) });
      const nodes = [managedNode("n", { pool: np, type: c4 }), managedNode("other", { pool: np, type: c4 })];
      return planChecked({ ...clusterInput({ pools: [np], nodes, pods }), cloudDrift: new Map([["n", "AMIDrift"]]) }, { now: T0, methods: ["drift"] });
    };
    const blocked = run();
    assert.equal(blocked.command, undefined);
    assert.match(blocked.explanations.find((e) => e.node === "n")!.message, /do-not-disrupt.*terminationGracePeriod/);
    assert.equal(run("1h").command?.candidates[0]!.name, "n");
  });
});

describe("expiration", () => {
  it("expires claims past expireAfter whatever the budgets and annotations say", () => {
    const np = nodePool("p", { budgets: [{ nodes: "0" }], expireAfter: "720h" });
    const nodes = [
      managedNode("old", { pool: np, type: c4, created: T0 - 31 * day, annotations: { "karpenter.sh/do-not-disrupt": "true" } }),
      managedNode("young", { pool: np, type: c4, created: T0 - day }),
      managedNode("forever", { pool: np, type: c4, created: T0 - 400 * day, expireAfter: "Never" }),
    ];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods: [pod("x", { node: "old", annotations: { "karpenter.sh/do-not-disrupt": "true" } })] }), { now: T0 });
    assert.deepEqual(plan.expired.map((e) => e.claim.metadata.name), ["old"]);
    assert.equal(plan.expired[0]!.expiredAt, T0 - day);
    assert.equal(plan.budgets["Underutilized"]!.find((b) => b.nodePool === "p")!.disrupting, 1, "an expiring node counts as disrupting");
  });
});

describe("method order and budgets", () => {
  it("tries emptiness before consolidation and deletes empty nodes together within the Empty budget", () => {
    const np = nodePool("p", { budgets: [{ nodes: "2", reasons: ["Empty"] }, { nodes: "100%" }] });
    const nodes = ["e1", "e2", "e3", "busy"].map((n) => managedNode(n, { pool: np, type: c4 }));
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods: [pod("x", { node: "busy" })] }), { now: T0 });
    assert.equal(plan.command?.method, "emptiness");
    assert.equal(plan.command?.candidates.length, 2);
    assert.equal(plan.eligible.emptiness, 3);
  });

  it("runs every method and reports every option in exhaustive mode", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("e", { pool: np, type: c4 }), managedNode("a", { pool: np, type: c8 }), managedNode("b", { pool: np, type: c8 })];
    const pods = [pod("pa", { node: "a", cpu: "1" }), pod("pb", { node: "b", cpu: "1" })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, exhaustive: true });
    assert.equal(plan.command?.method, "emptiness");
    assert.ok(plan.options.length >= 1);
    assert.ok(plan.options.every((o) => !o.candidates.some((c) => c.name === "e")), "a node is in one command at most");
  });
});

describe("limits enforced downwards", () => {
  it("removes nodes above a lowered limit, emptiest then cheapest, within budgets", () => {
    const np = nodePool("p", { limits: { cpu: "8" }, budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("two-pods", { pool: np, type: c4 }), managedNode("empty-dear", { pool: np, type: c4 }), managedNode("one-pod", { pool: np, type: c2 }), managedNode("empty-cheap", { pool: np, type: c1 })];
    const pods = [pod("a", { node: "two-pods" }), pod("b", { node: "two-pods" }), pod("c", { node: "one-pod" })];
    // 4 + 4 + 2 + 1 = 11 cpu against a limit of 8: the cheap empty node goes first, then the dear empty one.
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, methods: ["limits"] });
    assert.equal(plan.command?.method, "limits");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name), ["empty-cheap", "empty-dear"]);
  });

  it("removes everything when the limit drops to zero, as fast as the budget allows, keeping do-not-disrupt", () => {
    const np = nodePool("p", { limits: { cpu: "0" }, budgets: [{ nodes: "2" }] });
    const nodes = ["a", "b", "c", "d"].map((n) => managedNode(n, { pool: np, type: c2 }));
    const pods = [pod("keep", { node: "d", annotations: { "karpenter.sh/do-not-disrupt": "true" } })];
    const plan = planChecked(clusterInput({ pools: [np], nodes, pods }), { now: T0, methods: ["limits"] });
    assert.equal(plan.command?.candidates.length, 2);
    assert.equal(plan.explanations.find((e) => e.node === "d")?.kind, "PodDoNotDisrupt");
    assert.ok(plan.explanations.some((e) => e.kind === "Budget" && e.method === "limits"));
  });
});

describe("validation", () => {
  it("holds while nothing changed, and fails when a pod asks not to be disrupted or the budget closes", () => {
    const np = nodePool("p");
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })];
    const pods = [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })];
    const input = clusterInput({ pools: [np], nodes, pods });
    const plan = planChecked(input, { now: T0 });
    const cmd = plan.command!;
    const later = { now: T0 + 15_000 };
    const ok = validateCommand(cmd, input, later);
    assert.equal(ok.valid, true);
    const victim = cmd.candidates[0]!.name;
    const churned = { ...input, pods: [...pods, pod("new", { node: victim, annotations: { "karpenter.sh/do-not-disrupt": "true" } })] };
    const bad = validateCommand(cmd, churned, later);
    assert.equal(bad.valid, false);
    assert.match((bad as { reason: string }).reason, /do-not-disrupt/);
    assert.equal((bad as { kind: string }).kind, "churn", "Karpenter's kind: a candidate changed");
    const closed = { ...input, nodePools: [nodePool("p", { budgets: [{ nodes: "0" }] })] };
    assert.match((validateCommand(cmd, closed, later) as { reason: string }).reason, /blocking budget/);
    assert.equal((validateCommand(cmd, closed, later) as { kind: string }).kind, "budget");
    const full = { ...input, pods: [...pods, pod("hog", { node: victim === "a" ? "b" : "a", cpu: "3500m" })] };
    assert.equal(validateCommand(cmd, full, later).valid, false, "the other node has no room left");
    assert.equal((validateCommand(cmd, full, later) as { kind: string }).kind, "scheduling");
  });
});

// The controller plans twice per pass (cheap methods, then consolidation) and validates the
// command from the same input: the cluster is joined once for all of that, not 4-6 times.
describe("one cluster model per input", () => {
  it("joins the cluster once for two plans and a validation of the same input", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("a", { pool: np, type: c8 }), managedNode("b", { pool: np, type: c8 })];
    const input = clusterInput({ pools: [np], nodes, pods: [pod("pa", { node: "a", cpu: "1" }), pod("pb", { node: "b", cpu: "1" })] });
    const before = ClusterModel.builds;
    planDisruption(input, { now: T0, methods: ["sleep", "limits", "drift", "emptiness"] });
    const plan = planDisruption(input, { now: T0 });
    assert.ok(plan.command, "consolidation finds a command");
    validateCommand(plan.command, input, { now: T0 });
    assert.equal(ClusterModel.builds - before, 1);
  });
});

