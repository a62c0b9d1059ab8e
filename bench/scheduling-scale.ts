// The scheduling benchmark's scale and packing cases, on the bundled us-east-1 catalog:
//  - m5: 20 pods of 500m/512Mi, one NodePool limited to the m5 family, on-demand; the plan's price
//    against the exact optimum (identical pods: a node of a type holds a fixed number of them, so the
//    optimum is a small unbounded-knapsack recurrence over pod counts).
//  - NodePool scaling: N NodePools over the full catalog, 5,000 diverse pods; time and peak RSS.
//  - 50,000 and 100,000 diverse pods on one NodePool over the full catalog (target for 100,000: < 10 s, < 1 GiB).
// Run: tsx bench/scheduling-scale.ts [m5] [nodepools] [nodepools=N] [50k] [100k] [diverse=N]
// (each case in its own process for a clean RSS; the figure is printed next to its target, with the load average)
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { V1Pod } from "@kubernetes/client-node";
import type { NodePool } from "../src/apis/nodepool.js";
import { parseNodePool } from "../src/apis/parse.js";
import { loadCatalogInstanceTypes } from "../src/cloudprovider/aws/catalog.js";
import type { InstanceType } from "../src/cloudprovider/types.js";
import { DefaultExactBudgetMs, type SchedulingInput, solve } from "../src/scheduling/index.js";
import { allocatable } from "../src/scheduling/instancetypes.js";
import { makeDiversePods } from "./workload.js";

function pool(name: string, requirements: { key: string; operator: "In"; values: string[] }[] = []): NodePool {
  return parseNodePool({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: { template: { spec: { requirements, nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } } },
  });
}

const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MiB`;

/** Targets of issue 12, printed next to the figures. */
const Targets = { nodePoolsRssMiB: 512, bigSeconds: 10, bigRssMiB: 1024 };

function run(name: string, input: SchedulingInput, target?: { seconds?: number; rssMiB: number }): ReturnType<typeof solve> {
  const started = performance.now();
  // With the exact packing stage's 100 ms budget (the controller does not use it yet).
  const r = solve({ ...input, options: { ...input.options, exactTimeBudgetMs: DefaultExactBudgetMs } });
  const ms = performance.now() - started;
  const placed = input.pods.length - r.unschedulable.length;
  console.log(
    `${name}: ${input.pods.length} pods, ${input.nodePools.length} NodePools, ${ms.toFixed(0)} ms, ${Math.round((placed / ms) * 1000)} pods/s, ${r.nodeClaims.length} claims, $${r.totalPricePerHour.toFixed(3)}/h, bound $${r.lowerBoundPricePerHour.toFixed(3)}/h (ratio ${r.costRatio.toFixed(3)}), ${r.unschedulable.length} failed, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`,
  );
  if (target) {
    const rss = (process.resourceUsage().maxRSS * 1024) / 1024 / 1024;
    const parts = [`peak RSS ${rss.toFixed(0)} MiB vs target < ${target.rssMiB} MiB: ${rss < target.rssMiB ? "met" : "NOT met"}`];
    if (target.seconds !== undefined) parts.unshift(`${(ms / 1000).toFixed(1)} s vs target < ${target.seconds} s: ${ms / 1000 < target.seconds ? "met" : "NOT met"}`);
    console.log(`${name}: ${parts.join("; ")} (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
  }
  return r;
}

/** The cheapest set of nodes for `n` identical pods: cost[k] = min over types (price + cost[k − pods per node]). */
function optimumForIdentical(n: number, types: InstanceType[], cpu: number, memory: number): number {
  const per = types
    .map((t) => {
      const price = Math.min(...t.offerings.filter((o) => o.available && o.capacityType === "on-demand").map((o) => o.price));
      const a = allocatable(t);
      const k = Math.min(Math.floor((a.cpu ?? 0) / cpu), Math.floor((a.memory ?? 0) / memory), a.pods ?? 0);
      return { price, k };
    })
    .filter((t) => t.k > 0 && Number.isFinite(t.price));
  const cost = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  cost[0] = 0;
  for (let i = 1; i <= n; i++) for (const t of per) cost[i] = Math.min(cost[i]!, t.price + cost[Math.max(0, i - t.k)]!);
  return cost[n]!;
}

function m5(catalog: InstanceType[]): void {
  const np = pool("m5", [
    { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] },
    { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
  ]);
  const types = catalog.filter((t) => t.name.startsWith("m5."));
  const pods: V1Pod[] = Array.from({ length: 20 }, (_, i) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `m5-${i}`, namespace: "default", uid: `m5-${i}` },
    spec: { containers: [{ name: "app", image: "pause", resources: { requests: { cpu: "500m", memory: "512Mi" } } }] },
    status: { phase: "Pending" },
  }));
  const r = run("m5", { pods, nodePools: [np], instanceTypes: new Map([["m5", types]]), existingNodes: [], daemonSets: [] });
  const opt = optimumForIdentical(20, types, 500, 512 * 1024 * 1024);
  console.log(`m5: plan ${r.nodeClaims.map((c) => c.instanceTypes[0]?.name).join(" + ")}; optimum $${opt.toFixed(3)}/h; ratio to optimum ${(r.totalPricePerHour / opt).toFixed(3)}`);
}

function nodePools(catalog: InstanceType[], count: number): void {
  const pools = Array.from({ length: count }, (_, i) => pool(`pool-${i}`));
  const instanceTypes = new Map(pools.map((p) => [p.metadata.name ?? "", catalog]));
  run(`nodepools×${count}`, { pods: makeDiversePods(5_000), nodePools: pools, instanceTypes, existingNodes: [], daemonSets: [] }, { rssMiB: Targets.nodePoolsRssMiB });
}

const which = process.argv.slice(2);
const catalog = loadCatalogInstanceTypes("us-east-1");
console.log(`us-east-1 catalog: ${catalog.length} instance types; node ${process.version}`);
if (which.length === 0 || which.includes("m5")) m5(catalog);
for (const a of which) if (/^nodepools=\d+$/.test(a)) nodePools(catalog, Number(a.split("=")[1]));
if (which.length === 0 || which.includes("nodepools")) nodePools(catalog, 100);
const diverse = (n: number): void =>
  void run(`diverse ${n}`, { pods: makeDiversePods(n), nodePools: [pool("default")], instanceTypes: new Map([["default", catalog]]), existingNodes: [], daemonSets: [] }, n >= 100_000 ? { seconds: Targets.bigSeconds, rssMiB: Targets.bigRssMiB } : undefined);
for (const a of which) if (/^diverse=\d+$/.test(a)) diverse(Number(a.split("=")[1]));
if (which.length === 0 || which.includes("50k")) diverse(50_000);
if (which.length === 0 || which.includes("100k")) diverse(100_000);
