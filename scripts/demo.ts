// `npm start`: tenon end to end on a local cluster. Starts the local cluster (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok, moto; see test/env/devcluster.ts), starts
// `tenon controller` against it as the chart's ServiceAccount, applies a NodePool, an
// EC2NodeClass and an `inflate` Deployment, and shows NodeClaims, nodes and pods as tenon
// launches instances in moto and kwok runs the pods on them. Ctrl-C stops everything.
//
// `npm run demo:scale -- 30` (another terminal) scales inflate of the running demo.
//
// The NodePool consolidates after DEMO_CONSOLIDATE_AFTER (10s), so `demo:scale -- 0` empties the
// cluster. The live view (scripts/demo-view.ts) redraws in place on a terminal and prints a line
// per change otherwise.
//
// Settings: DEMO_REPLICAS (10), DEMO_CPU (1), DEMO_MAX_CPU (largest node in vCPUs, 16), DEMO_CONSOLIDATE_AFTER (10s),
// TENON_BOOT_DELAY_MS (how long an instance takes to register its node; 2000), LOG_LEVEL for the controller (info).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { startDevCluster, type ControllerProcess, type DevCluster } from "../test/env/devcluster.js";
import { bin, repoRoot } from "../test/env/paths.js";
import { loadCatalogInstanceTypes } from "../src/cloudprovider/aws/catalog.js";
import { ClusterReader, deployment, ec2NodeClass, nodePool, toYAMLStream } from "../test/e2e/fixtures.js";
import { Screen, renderView } from "./demo-view.js";

// The AWS SDK warns about Node 20 on every run; tenon supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const stateFile = join(repoRoot, ".cache", "demo", "state.json");

interface DemoState {
  pid: number;
  adminKubeconfig: string;
  controllerLog: string;
}

/** The running demo's state, or why there is none; a file left by a demo that is gone is removed. */
function runningDemo(): DemoState | string {
  if (!existsSync(stateFile)) return "no demo is running (start one with `npm start`)";
  let state: DemoState | undefined;
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8")) as DemoState;
  } catch {
    state = undefined;
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  if (!state || !alive(state.pid) || !existsSync(state.adminKubeconfig)) {
    rmSync(stateFile, { force: true });
    return `no demo is running (removed the state a stopped demo${state ? ` (pid ${state.pid})` : ""} left behind; start one with \`npm start\`)`;
  }
  return state;
}

async function scale(replicasArg: string | undefined): Promise<void> {
  const replicas = Number(replicasArg);
  if (replicasArg === undefined || !Number.isInteger(replicas) || replicas < 0) {
    console.error("usage: npm run demo:scale -- <replicas>   (e.g. 30, or 0 to watch tenon empty the cluster)");
    process.exit(2);
  }
  const state = runningDemo();
  if (typeof state === "string") {
    console.error(state);
    process.exit(1);
  }
  const res = spawnSync(bin.kubectl, ["--kubeconfig", state.adminKubeconfig, "scale", "deployment", "inflate", "--namespace", "default", `--replicas=${replicas}`], { encoding: "utf8" });
  if (res.status !== 0) {
    console.error(`kubectl scale failed: ${res.stderr.trim()}`);
    process.exit(1);
  }
  console.log(`scaled deployment/inflate to ${replicas}; the demo's terminal shows tenon's response`);
}

// Every line the demo prints goes through the live view's Screen: on a terminal the view is redrawn
// in place by moving up over its own lines, so a line written past it (the kubelet bridge's
// "registered Node …") would shift it and leave a stale half-frame above.
const screen = new Screen((t) => process.stdout.write(t), process.stdout.isTTY === true);

function log(msg: string): void {
  screen.note(`${new Date().toISOString().slice(11, 19)} ${msg}`);
}

/** Controller lines worth a note above the live view: errors and warnings (decisions are in the view). */
function controllerTrouble(lines: Record<string, unknown>[]): string[] {
  return lines
    .filter((l) => l.level === "ERROR" || l.level === "FATAL" || (l.level === "WARN" && l.message !== "could not schedule pod(s)"))
    .map((l) => `  [tenon ${String(l.level)}] ${l.controller ? `${String(l.controller)}: ` : ""}${String(l.message ?? "")}${l.error ? ` (${JSON.stringify(l.error).slice(0, 200)})` : ""}`);
}

async function demo(): Promise<void> {
  const replicas = Number(process.env.DEMO_REPLICAS ?? 10);
  const cpu = process.env.DEMO_CPU ?? "1";
  const consolidateAfter = process.env.DEMO_CONSOLIDATE_AFTER ?? "10s";
  // Filled in as things start, so that Ctrl-C at any point stops what is running.
  const started: { dev?: DevCluster; controller?: ControllerProcess } = {};
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    // First, so that however the rest goes, `demo:scale` no longer finds a demo.
    rmSync(stateFile, { force: true });
    log(`${why}: stopping the controller and the local cluster`);
    try {
      await started.controller?.stop(10_000);
      await started.dev?.stop();
    } finally {
      process.exit(code);
    }
  };
  process.once("SIGINT", () => void stop("Ctrl-C"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("exit", () => rmSync(stateFile, { force: true }));

  const t0 = Date.now();
  const dev = (started.dev = await startDevCluster({ bridge: { bootDelayMs: Number(process.env.TENON_BOOT_DELAY_MS ?? 2000) }, log: (m) => log(m) }));
  log(`local cluster up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // moto has no pricing API: as in a VPC without its endpoint, tenon prices from its bundled snapshot.
  const controller = (started.controller = await dev.startController({ name: "tenon-controller", env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "info", ISOLATED_VPC: "true" } }));
  log(`tenon controller running (pid ${controller.pid}, log ${controller.logPath}, metrics ${controller.metricsURL})`);
  mkdirSync(join(repoRoot, ".cache", "demo"), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ pid: process.pid, adminKubeconfig: dev.adminKubeconfig, controllerLog: controller.logPath } satisfies DemoState));
  void controller.exited.then((s) => {
    if (!stopping) {
      log(`the controller exited (code ${s.code}, signal ${s.signal}); last lines:\n${controller.logTail(20)}`);
      void stop("controller exited", 1);
    }
  });

  dev.kubectl(["apply", "-f", "-"], toYAMLStream([ec2NodeClass(dev.clusterName, dev.aws.nodeRoleName), nodePool({ maxCPU: Number(process.env.DEMO_MAX_CPU ?? 16), consolidateAfter })]));
  log(`applied EC2NodeClass default and NodePool default (consolidates empty or underused nodes after ${consolidateAfter})`);
  dev.kubectl(["apply", "-f", "-"], toYAMLStream([deployment({ name: "inflate", replicas, cpu })]));
  const appliedAt = Date.now();
  log(`applied Deployment inflate: ${replicas} × pause, ${cpu} CPU each`);
  screen.note(`
  Scale it from another terminal:   npm run demo:scale -- 30   (0 empties the cluster)
  or:  ${bin.kubectl} --kubeconfig ${dev.adminKubeconfig} scale deployment inflate --replicas 30
  Look around:  ${bin.kubectl} --kubeconfig ${dev.adminKubeconfig} get nodepools,ec2nodeclasses,nodeclaims,nodes
  Ctrl-C stops everything.
`);

  const reader = new ClusterReader(dev.kubeConfig());
  const catalog = new Map(loadCatalogInstanceTypes(dev.region).map((t) => [t.name, t]));
  let seenLines = 0;
  let allRunningAt: number | undefined;
  // When the current wave of pending pods began: the oldest of them was created then.
  let waveStart: number | undefined = appliedAt;
  for (;;) {
    if (stopping) return;
    try {
      const lines = controller.logLines();
      for (const l of controllerTrouble(lines.slice(seenLines))) screen.note(l);
      seenLines = lines.length;
      const [claims, pods] = await Promise.all([reader.nodeClaims(), reader.pods("app=inflate")]);
      screen.show(renderView({ claims, pods, log: lines }, catalog));
      const live = pods.filter((x) => !x.metadata?.deletionTimestamp);
      const pending = live.filter((x) => x.status?.phase === "Pending");
      const running = live.length - pending.length;
      if (pending.length === 0 && running > 0) {
        if (allRunningAt === undefined) {
          allRunningAt = Date.now();
          const since = waveStart === undefined ? "" : `, ${((allRunningAt - waveStart) / 1000).toFixed(1)}s after the first pending one was created`;
          screen.note(`${new Date().toISOString().slice(11, 19)} all ${running} pods running${since}; controller RSS ${((controller.rssBytes() ?? 0) / 2 ** 20).toFixed(0)} MiB`);
          waveStart = undefined;
        }
      } else if (pending.length > 0) {
        allRunningAt = undefined;
        const oldest = Math.min(...pending.map((x) => new Date(x.metadata?.creationTimestamp ?? Date.now()).getTime()));
        waveStart = Math.min(waveStart ?? oldest, oldest);
      }
    } catch (err) {
      screen.note(`(reading the cluster failed: ${err instanceof Error ? err.message : String(err)})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

if (process.argv[2] === "scale") await scale(process.argv[3]);
else await demo();
