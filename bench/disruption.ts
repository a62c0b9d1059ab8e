// The disruption benchmark: one disruption pass over a synthetic cluster of 1,000 nodes / ~10,000
// pods and 5,000 nodes / ~50,000 pods (bench/disruption-workload.ts), measured two ways:
//  - a controller pass: what the disruption controller runs every ten seconds (candidates, budgets,
//    every method in order until one finds a command);
//  - a full pass (exhaustive): every consolidation candidate simulated, so each gets its outcome —
//    the worst case, when nothing can be consolidated and every candidate has to be looked at.
// Karpenter's time budgets (1 min multi-node, 3 min single-node) bound both; a pass that hits them
// returns the best found so far and says so. Target: a full pass over 1,000 nodes under 10 s.
// Run: npm run bench:disruption  (tsx bench/disruption.ts [--quick])
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type DisruptionPlan, describeCommand, planDisruption } from "../src/disruption/index.js";
import { T0 } from "../test/kit/disruption.js";
import { benchCluster } from "./disruption-workload.js";

interface Row {
  cluster: string;
  nodes: number;
  pods: number;
  mode: "controller pass" | "full pass";
  ms: number;
  simulations: number;
  command: string;
  options: number;
  explained: number;
  timeouts: string[];
  savingsPerHour: number;
  timings: DisruptionPlan["timings"];
}

function run(nodes: number, exhaustive: boolean, packed = false): Row {
  const c = benchCluster(nodes, packed ? { fill: [0.9, 0.98] } : {});
  const started = performance.now();
  const plan = planDisruption(c.input, { now: T0, elapsed: () => performance.now(), exhaustive });
  const ms = performance.now() - started;
  const savings = (plan.command?.savingsPerHour ?? 0) + plan.options.reduce((s, o) => s + o.savingsPerHour, 0);
  return {
    cluster: packed ? "packed 90-98%" : "under-utilised 25-60%",
    nodes: c.nodes,
    pods: c.pods,
    mode: exhaustive ? "full pass" : "controller pass",
    ms,
    simulations: plan.simulations,
    command: plan.command ? describeCommand(plan.command).slice(0, 90) : "(none)",
    options: plan.options.length,
    explained: new Set(plan.explanations.map((e) => e.node)).size,
    timeouts: plan.timeouts,
    savingsPerHour: savings,
    timings: Object.fromEntries(Object.entries(plan.timings).map(([k, v]) => [k, Math.round(v ?? 0)])),
  };
}

function main(): void {
  const quick = process.argv.includes("--quick");
  const sizes = quick ? [1_000] : [1_000, 5_000];
  const cases: [number, boolean, boolean][] = sizes.flatMap((n): [number, boolean, boolean][] => [
    [n, false, false],
    [n, true, false],
  ]);
  // For reference: a well-packed cluster, where single-node deletions need more room searched.
  if (!quick) cases.push([1_000, true, true]);
  console.log(`tenon disruption benchmark; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown cpu"}`);
  const rows: Row[] = [];
  for (const [n, exhaustive, packed] of cases) {
    const r = run(n, exhaustive, packed);
    rows.push(r);
    console.log(
      `${String(r.nodes).padStart(5)} nodes ${String(r.pods).padStart(6)} pods ${r.cluster.padEnd(22)} ${r.mode.padEnd(15)} ${(r.ms / 1000).toFixed(2).padStart(7)} s  ${String(r.simulations).padStart(5)} simulations  ` +
        `options ${r.options}  explained ${r.explained}  saves $${r.savingsPerHour.toFixed(2)}/h${r.timeouts.length ? `  TIMEOUT ${r.timeouts.join(",")}` : ""}`,
    );
    console.log(`      per method (ms): ${JSON.stringify(r.timings)}; command: ${r.command}`);
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), "results", "disruption.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, rows }, null, 2)}\n`);
  console.log(`results written to ${out}`);
}

main();
