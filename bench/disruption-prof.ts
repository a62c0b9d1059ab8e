// Where a disruption pass spends its time, for one cluster size (a profiling aid, not the benchmark):
//   node --import tsx --cpu-prof bench/disruption-prof.ts 1000 [packed]
import { performance } from "node:perf_hooks";
import { planDisruption } from "../src/disruption/index.js";
import { T0 } from "../test/kit/disruption.js";
import { benchCluster } from "./disruption-workload.js";

const nodes = Number(process.argv[2] ?? 1000);
const packed = process.argv.includes("packed");
const c = benchCluster(nodes, packed ? { fill: [0.9, 0.98] } : {});
const t = performance.now();
const plan = planDisruption(c.input, { now: T0, elapsed: () => performance.now(), exhaustive: true });
const kinds: Record<string, number> = {};
for (const e of plan.explanations) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
const decisions: Record<string, number> = {};
for (const o of [plan.command, ...plan.options]) if (o) decisions[`${o.method}/${o.decision}`] = (decisions[`${o.method}/${o.decision}`] ?? 0) + 1;
console.log(`${c.nodes} nodes, ${c.pods} pods: ${(performance.now() - t).toFixed(0)} ms, ${plan.simulations} simulations`);
console.log("timings", plan.timings, "decisions", decisions, "explanations", kinds);
