// The exact stage (src/scheduling/exact): the cost-optimal packing when the batch is one the MILP
// expresses, and a clean fallback to the heuristic plan when it is not or its budget runs out.
// Budgets here are generous (or absurdly small) so the outcome does not depend on machine load.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadCatalogInstanceTypes } from "../../../src/cloudprovider/aws/catalog.js";
import type { SchedulingInput } from "../../../src/scheduling/index.js";
import { daemonSet, existingNode, input, nodePool, pods, solveChecked } from "../../kit/scheduling.js";

const m5Types = loadCatalogInstanceTypes("us-east-1").filter((t) => t.name.startsWith("m5."));
const m5Pool = () =>
  nodePool("m5", {
    requirements: [
      { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] },
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
    ],
  });
const Generous = 30_000;

function withBudget(inp: SchedulingInput, ms: number): SchedulingInput {
  return { ...inp, options: { ...inp.options, exactTimeBudgetMs: ms } };
}

const m5Case = (extra: Partial<Parameters<typeof input>[0]> = {}) => input({ pods: pods(20, "m5", { cpu: "500m", memory: "512Mi" }), pools: [m5Pool()], types: m5Types, ...extra });
const typeNames = (r: ReturnType<typeof solveChecked>) => r.nodeClaims.map((c) => c.instanceTypes[0]!.name).sort();

describe("scenarios: the exact stage", () => {
  test("m5: 20 pods of 500m/512Mi get an m5.2xlarge and an m5.xlarge ($0.576/h), proven optimal", () => {
    const r = solveChecked(withBudget(m5Case(), Generous));
    assert.deepEqual(typeNames(r), ["m5.2xlarge", "m5.xlarge"]);
    assert.ok(Math.abs(r.totalPricePerHour - 0.576) < 1e-9, `price ${r.totalPricePerHour}`);
    assert.equal(r.exact?.outcome, "optimal");
    assert.equal(r.exact?.usedExactPlan, true);
    assert.ok(Math.abs(r.exact!.heuristicPricePerHour - 0.768) < 1e-9, "the heuristic alone buys one m5.4xlarge");
    assert.ok(r.costRatio < 1 + 1e-5, `the bound is raised to the optimum (ratio ${r.costRatio})`);
    assert.equal(r.unschedulable.length, 0);
  });

  test("m5 with a daemonset: the exact plan leaves room for its overhead on every node", () => {
    const r = solveChecked(withBudget(m5Case({ daemonSets: [daemonSet("agent", { cpu: "200m", memory: "256Mi" })] }), Generous));
    assert.equal(r.exact?.outcome, "optimal");
    for (const c of r.nodeClaims) {
      const t = c.instanceTypes[0]!;
      const cpu = c.pods.length * 500 + 200;
      assert.ok(cpu <= (t.capacity["cpu"] ?? 0) - (t.overhead.kubeReserved["cpu"] ?? 0) - (t.overhead.systemReserved["cpu"] ?? 0), `${t.name} holds ${c.pods.length} pods and the daemonset`);
    }
  });

  test("m5 with an existing node: its free room is used first, and only the rest is bought", () => {
    const r = solveChecked(withBudget(m5Case({ nodes: [existingNode("n1", { cpu: 4, memGi: 16, labels: { "kubernetes.io/arch": "amd64" } })] }), Generous));
    const onNode = r.existingNodes.find((n) => n.name === "n1")?.pods.length ?? 0;
    assert.ok(onNode >= 7, `the existing node takes ${onNode} pods`);
    assert.equal(r.exact?.outcome, "optimal");
    assert.ok(r.totalPricePerHour <= 0.384 + 1e-9, `price ${r.totalPricePerHour}`);
  });

  test("m5 under a NodePool cpu limit: the plan stays within it", () => {
    const pool = nodePool("m5", {
      requirements: [
        { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] },
        { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
      ],
      limits: { cpu: "14" },
    });
    const r = solveChecked(withBudget(input({ pods: pods(20, "m5", { cpu: "500m", memory: "512Mi" }), pools: [pool], types: m5Types }), Generous));
    const cpu = r.nodeClaims.reduce((s, c) => s + (c.instanceTypes[0]!.capacity["cpu"] ?? 0), 0);
    assert.ok(cpu <= 14_000, `bought ${cpu}m cpu`);
  });

  test("a time budget spent before the solve keeps the heuristic plan and says so", () => {
    const r = solveChecked(withBudget(m5Case(), 1e-6));
    assert.equal(r.exact?.outcome, "skipped");
    assert.match(r.exact?.reason ?? "", /time budget/);
    assert.equal(r.exact?.usedExactPlan, false);
    assert.ok(Math.abs(r.totalPricePerHour - 0.768) < 1e-9);
    assert.equal(r.unschedulable.length, 0);
  });

  test("budget 0 turns the stage off", () => {
    const r = solveChecked(withBudget(m5Case(), 0));
    assert.equal(r.exact?.outcome, "skipped");
    assert.match(r.exact?.reason ?? "", /disabled/);
  });

  const unsupported: { name: string; pods: () => ReturnType<typeof pods>; reason: RegExp }[] = [
    {
      name: "hostname topology spread",
      pods: () => pods(6, "s", { cpu: "500m", labels: { app: "s" }, spread: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "s" } } }] }),
      reason: /topology/,
    },
    { name: "host ports", pods: () => pods(2, "hp", { cpu: "500m", hostPorts: [{ port: 8080 }] }), reason: /host ports/ },
    {
      name: "a scheduling preference",
      pods: () => pods(3, "pref", { cpu: "500m", affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "karpenter.k8s.aws/instance-size", operator: "In", values: ["large"] }] } }] } } }),
      reason: /preferences/,
    },
  ];
  for (const u of unsupported) {
    test(`${u.name}: the stage is skipped with the reason, and the heuristic plan stands`, () => {
      const r = solveChecked(withBudget(input({ pods: u.pods(), pools: [m5Pool()], types: m5Types }), Generous));
      assert.equal(r.exact?.outcome, "skipped");
      assert.match(r.exact?.reason ?? "", u.reason);
      assert.match(r.exact?.reason ?? "", /does not express/);
      assert.equal(r.unschedulable.length, 0);
    });
  }

  test("NodePools in weight order: the exact plan never moves pods to a lower-weight pool", () => {
    const dear = nodePool("dear", { weight: 10, requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }] });
    const r = solveChecked(withBudget(input({ pods: pods(20, "w", { cpu: "500m", memory: "512Mi" }), pools: [dear, m5Pool()], types: m5Types }), Generous));
    assert.ok(r.nodeClaims.every((c) => c.nodePool === "dear"));
    assert.equal(r.exact?.outcome, "optimal");
    assert.match(r.exact?.reason ?? "", /weight order/);
  });
});
