// `npm start`: tenon end to end on a local cluster. Starts the local cluster (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok, moto; see test/env/devcluster.ts), starts
// `tenon controller` against it as the chart's ServiceAccount, applies a NodePool, an
// EC2NodeClass and an `inflate` Deployment, and shows NodeClaims, nodes and pods as tenon
// launches instances in moto and kwok runs the pods on them. Ctrl-C stops everything.
//
// `npm run demo:scale -- 30` (another terminal) scales inflate of the running demo.
//
// Settings: DEMO_REPLICAS (10), DEMO_CPU (1), DEMO_MAX_CPU (largest node in vCPUs, 16), TENON_BOOT_DELAY_MS (how long an instance takes to
// register its node; 2000), LOG_LEVEL for the controller (info).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { startDevCluster, type ControllerProcess, type DevCluster } from "../test/env/devcluster.js";
import { bin, repoRoot } from "../test/env/paths.js";
import { ClusterReader, claimTable, deployment, ec2NodeClass, nodePool, progressLine, toYAMLStream } from "../test/e2e/fixtures.js";

// The AWS SDK warns about Node 20 on every run; tenon supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const stateFile = join(repoRoot, ".cache", "demo", "state.json");

interface DemoState {
  pid: number;
  adminKubeconfig: string;
  controllerLog: string;
}

async function scale(replicasArg: string | undefined): Promise<void> {
  const replicas = Number(replicasArg);
  if (!Number.isInteger(replicas) || replicas < 0) {
    console.error("usage: npm run demo:scale -- <replicas>   (e.g. 30)");
    process.exit(2);
  }
  if (!existsSync(stateFile)) {
    console.error("no demo is running (start one with `npm start`)");
    process.exit(1);
  }
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as DemoState;
  const res = spawnSync(bin.kubectl, ["--kubeconfig", state.adminKubeconfig, "scale", "deployment", "inflate", "--namespace", "default", `--replicas=${replicas}`], { encoding: "utf8" });
  if (res.status !== 0) {
    console.error(`kubectl scale failed: ${res.stderr.trim()}`);
    process.exit(1);
  }
  console.log(`scaled deployment/inflate to ${replicas}; the demo's terminal shows tenon's response`);
}

function log(msg: string): void {
  console.log(`${new Date().toISOString().slice(11, 19)} ${msg}`);
}

/** Relevant controller log lines, shortened: what tenon decided, launched, registered. */
function controllerHighlights(lines: Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const level = String(l.level ?? "");
    const msg = String(l.message ?? "");
    if (level === "DEBUG" || level === "TRACE") continue;
    if (!/nodeclaim|launched|registered|initialized|found provisionable|computed|created|deleted|error|failed|leader|starting controllers/i.test(msg) && level !== "ERROR" && level !== "WARN") continue;
    const claim = (l.NodeClaim as { name?: string } | undefined)?.name;
    const extra = [claim ? `NodeClaim=${claim}` : "", l["instance-type"] ? `type=${String(l["instance-type"])}` : "", l.error ? `error=${JSON.stringify(l.error).slice(0, 200)}` : ""].filter(Boolean).join(" ");
    out.push(`  [tenon ${level}] ${l.controller ? `${String(l.controller)}: ` : ""}${msg}${extra ? ` (${extra})` : ""}`);
  }
  return out;
}

async function demo(): Promise<void> {
  const replicas = Number(process.env.DEMO_REPLICAS ?? 10);
  const cpu = process.env.DEMO_CPU ?? "1";
  // Filled in as things start, so that Ctrl-C at any point stops what is running.
  const started: { dev?: DevCluster; controller?: ControllerProcess } = {};
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping the controller and the local cluster`);
    await started.controller?.stop(10_000);
    await started.dev?.stop();
    rmSync(stateFile, { force: true });
    process.exit(code);
  };
  process.once("SIGINT", () => void stop("Ctrl-C"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  const t0 = Date.now();
  const dev = (started.dev = await startDevCluster({ bridge: { bootDelayMs: Number(process.env.TENON_BOOT_DELAY_MS ?? 2000) }, log: (m) => log(m) }));
  log(`local cluster up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const controller = (started.controller = await dev.startController({ name: "tenon-controller", env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "info" } }));
  log(`tenon controller running (pid ${controller.pid}, log ${controller.logPath}, metrics ${controller.metricsURL})`);
  mkdirSync(join(repoRoot, ".cache", "demo"), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ pid: process.pid, adminKubeconfig: dev.adminKubeconfig, controllerLog: controller.logPath } satisfies DemoState));
  void controller.exited.then((s) => {
    if (!stopping) {
      log(`the controller exited (code ${s.code}, signal ${s.signal}); last lines:\n${controller.logTail(20)}`);
      void stop("controller exited", 1);
    }
  });

  dev.kubectl(["apply", "-f", "-"], toYAMLStream([ec2NodeClass(dev.clusterName, dev.aws.nodeRoleName), nodePool({ maxCPU: Number(process.env.DEMO_MAX_CPU ?? 16) })]));
  log("applied EC2NodeClass default and NodePool default");
  dev.kubectl(["apply", "-f", "-"], toYAMLStream([deployment({ name: "inflate", replicas, cpu })]));
  const appliedAt = Date.now();
  log(`applied Deployment inflate: ${replicas} × pause, ${cpu} CPU each`);
  console.log(`
  Scale it from another terminal:   npm run demo:scale -- 30
  or:  ${bin.kubectl} --kubeconfig ${dev.adminKubeconfig} scale deployment inflate --replicas 30
  Look around:  ${bin.kubectl} --kubeconfig ${dev.adminKubeconfig} get nodepools,ec2nodeclasses,nodeclaims,nodes
  Ctrl-C stops everything.
`);

  const reader = new ClusterReader(dev.kubeConfig());
  let last = "";
  let lastClaims = "";
  let seenLines = 0;
  let allRunningAt: number | undefined;
  // When the current wave of pending pods began: the oldest of them was created then.
  let waveStart: number | undefined = appliedAt;
  for (;;) {
    if (stopping) return;
    try {
      const lines = controller.logLines();
      for (const l of controllerHighlights(lines.slice(seenLines))) console.log(l);
      seenLines = lines.length;
      const p = await reader.progress("app=inflate");
      const line = progressLine(p);
      if (line !== last) {
        log(line);
        last = line;
      }
      const claims = claimTable(p.claims);
      if (p.pending === 0 && p.running > 0) {
        if (allRunningAt === undefined) {
          allRunningAt = Date.now();
          const since = waveStart === undefined ? "" : `, ${((allRunningAt - waveStart) / 1000).toFixed(1)}s after the first pending one was created`;
          log(`all ${p.running} pods running${since}; controller RSS ${((controller.rssBytes() ?? 0) / 2 ** 20).toFixed(0)} MiB`);
          waveStart = undefined;
        }
        if (claims !== lastClaims) console.log(`${claims}\n`);
        lastClaims = claims;
      } else if (p.pending > 0) {
        allRunningAt = undefined;
        const oldest = Math.min(...p.pods.filter((x) => x.status?.phase === "Pending").map((x) => new Date(x.metadata?.creationTimestamp ?? Date.now()).getTime()));
        waveStart = Math.min(waveStart ?? oldest, oldest);
      }
    } catch (err) {
      log(`(reading the cluster failed: ${err instanceof Error ? err.message : String(err)})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

if (process.argv[2] === "scale") await scale(process.argv[3]);
else await demo();
