// The scheduling benchmark: times the solver on the reference workload
// (/work/shared/bench/scheduling-workload.md) and prints, per size, the time of one full pass,
// pods per second, NodeClaims, the plan's price against a lower bound, and the pods that failed.
// Run: npm run bench:scheduling  (tsx bench/scheduling.ts [--quick] [--only <workload name part>])
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { V1Pod } from "@kubernetes/client-node";
import type { InstanceType } from "../src/cloudprovider/types.js";
import { DefaultExactBudgetMs, type PlannedNodeClaim, type SchedulingInput, type SchedulingResult, solve } from "../src/scheduling/index.js";
import { DiverseSizes, NodePoolName, PreferencePodCount, makeDiversePods, makeInstanceTypes, makeNodePool, makePreferencePods } from "./workload.js";

interface Case {
  name: string;
  pods: V1Pod[];
  ignorePreferences: boolean;
}

export interface CaseResult {
  name: string;
  pods: number;
  passes: number;
  /** Median wall time of one full scheduling pass, after a warm-up pass. */
  medianMs: number;
  minMs: number;
  podsPerSecond: number;
  nodeClaims: number;
  /** Sum over claims of the cheapest compatible offering of each claim's cheapest instance type. */
  pricePerHour: number;
  lowerBoundPricePerHour: number;
  ratioToLowerBound: number;
  scheduledPods: number;
  failedPods: number;
}

/** Fewer repetitions as N grows, so the whole run stays within minutes. */
const passesFor = (n: number): number => (n <= 1_000 ? 11 : n <= 5_000 ? 5 : 3);

/** The cheapest price at which the claim's cheapest instance type can be bought within the claim's zones and capacity types. */
function cheapestTypePrice(claim: PlannedNodeClaim): number {
  const type: InstanceType | undefined = claim.instanceTypes[0];
  const prices = (type?.offerings ?? []).filter((o) => o.available && claim.zones.includes(o.zone) && claim.capacityTypes.includes(o.capacityType)).map((o) => o.price);
  return prices.length > 0 ? Math.min(...prices) : claim.pricePerHour;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function runCase(c: Case, instanceTypes: InstanceType[]): CaseResult {
  const input: SchedulingInput = {
    pods: c.pods,
    nodePools: [makeNodePool()],
    instanceTypes: new Map([[NodePoolName, instanceTypes]]),
    existingNodes: [],
    daemonSets: [],
    // With the exact packing stage's 100 ms budget (the controller does not use it yet).
    options: { ignorePreferences: c.ignorePreferences, exactTimeBudgetMs: DefaultExactBudgetMs },
  };
  let result: SchedulingResult = solve(input); // warm-up: JIT, caches
  const passes = passesFor(c.pods.length);
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    const start = performance.now();
    result = solve(input);
    times.push(performance.now() - start);
  }
  const scheduled = result.nodeClaims.reduce((n, claim) => n + claim.pods.length, 0) + result.existingNodes.reduce((n, node) => n + node.pods.length, 0);
  const failed = result.unschedulable.length;
  // Every pod must be either placed or reported as failed; one that is neither was dropped.
  if (scheduled + failed !== c.pods.length) throw new Error(`${c.name}: ${c.pods.length} pods in, ${scheduled} placed + ${failed} failed out: pods were dropped`);
  const price = result.nodeClaims.reduce((sum, claim) => sum + cheapestTypePrice(claim), 0);
  const medianMs = median(times);
  return {
    name: c.name,
    pods: c.pods.length,
    passes,
    medianMs,
    minMs: Math.min(...times),
    podsPerSecond: c.pods.length / (medianMs / 1000),
    nodeClaims: result.nodeClaims.length,
    pricePerHour: price,
    lowerBoundPricePerHour: result.lowerBoundPricePerHour,
    ratioToLowerBound: result.lowerBoundPricePerHour > 0 ? price / result.lowerBoundPricePerHour : Number.NaN,
    scheduledPods: scheduled,
    failedPods: failed,
  };
}

const pad = (s: string, n: number, right = true): string => (right ? s.padStart(n) : s.padEnd(n));

function printRow(r: CaseResult): void {
  console.log(
    [
      pad(r.name, 26, false),
      pad(String(r.pods), 7),
      pad(r.medianMs.toFixed(1), 10),
      pad(Math.round(r.podsPerSecond).toLocaleString("en-US"), 10),
      pad(String(r.nodeClaims), 7),
      pad(r.pricePerHour.toFixed(2), 10),
      pad(r.ratioToLowerBound.toFixed(3), 7),
      pad(String(r.failedPods), 6),
    ].join("  "),
  );
}

function main(): void {
  const quick = process.argv.includes("--quick");
  const instanceTypes = makeInstanceTypes(400);
  const sizes = quick ? DiverseSizes.filter((n) => n <= 1_000) : DiverseSizes;
  const onlyAt = process.argv.indexOf("--only");
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  const all: Case[] = [
    ...sizes.map((n) => ({ name: `diverse`, pods: makeDiversePods(n), ignorePreferences: false })),
    { name: "preferences (honoured)", pods: makePreferencePods(PreferencePodCount), ignorePreferences: false },
    { name: "preferences (ignored)", pods: makePreferencePods(PreferencePodCount), ignorePreferences: true },
  ];
  const cases = only ? all.filter((c) => c.name.includes(only)) : all;
  console.log(`tenon scheduling benchmark: 400 instance types, 1 NodePool; node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}`);
  console.log(["workload".padEnd(26), pad("pods", 7), pad("ms/pass", 10), pad("pods/s", 10), pad("claims", 7), pad("$/hour", 10), pad("ratio", 7), pad("failed", 6)].join("  "));
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = runCase(c, instanceTypes);
    results.push(r);
    printRow(r);
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), "results", "scheduling.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, instanceTypes: 400, results }, null, 2)}\n`);
  console.log(`\nratio = $/hour ÷ the solver's lower bound on any packing of the same pods; results written to ${out}`);
}

main();
