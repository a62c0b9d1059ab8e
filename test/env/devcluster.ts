// A local cluster for tenon to run against, made of real parts only: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok (playing the kubelets of tenon's nodes, which it
// selects by the `karpenter.sh/nodepool` label) and moto, seeded with what an EKS account holds
// (test/env/seed.ts). The CRDs come from the chart, and the controller's ServiceAccount and RBAC
// are rendered from the chart with `helm template` and applied with kubectl, so the permissions
// under test are exactly the chart's. The kubelet bridge (test/env/bridge.ts) turns tenon's moto
// instances into Nodes.
//
//   const dev = await startDevCluster();
//   spawn("node", ["--import", "tsx", "src/cli/main.ts", "controller"], { env: dev.controllerEnv() });
//   …
//   await dev.stop();
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { KubeletBridge } from "./bridge.js";
import { installCRDs, startControlPlane, type ControlPlane } from "./controlplane.js";
import { startMoto, type Moto } from "./moto.js";
import { bin, ensureBuilt, repoRoot, versions } from "./paths.js";
import { freePort, makeTempDir, onExit, removeDir, request, startProcess, waitFor, type ExitStatus } from "./proc.js";
import { motoSeedEnv, seedAWS, type SeededAWS } from "./seed.js";

export const CHART_DIR = join(repoRoot, "charts", "tenon");
export const DEFAULT_CLUSTER_NAME = "tenon-dev";
/** The service CIDR startControlPlane gives kube-apiserver; kube-dns takes the usual .10. */
export const KUBE_DNS_IP = "10.96.0.10";

export interface DevClusterOptions {
  clusterName?: string;
  /** The controller's namespace (the chart's release namespace). Default "tenon". */
  namespace?: string;
  /** The Helm release name; the ServiceAccount is named after it. Default "tenon". */
  releaseName?: string;
  /** Extra `--set` values for `helm template`. */
  helmSet?: string[];
  /** kubelet bridge settings; `bootDelayMs` makes nodes register a while after launch. */
  bridge?: { intervalMs?: number; bootDelayMs?: number };
  /** Progress lines; silent by default. */
  log?: (message: string) => void;
}

export interface ControllerOptions {
  /** Names the log file; default controller-<n>. */
  name?: string;
  /** Extra environment (settings such as LOG_LEVEL, BATCH_IDLE_DURATION). */
  env?: Record<string, string>;
  /** Wait for /readyz (cache synced). Default true. */
  waitReady?: boolean;
  /** The CLI to run: src/cli/main.ts through tsx (default), or a built dist/cli/main.js. */
  entry?: string;
}

/** A running `tenon controller` process. */
export interface ControllerProcess {
  name: string;
  pid: number;
  logPath: string;
  metricsURL: string;
  healthURL: string;
  exited: Promise<ExitStatus>;
  running(): boolean;
  logTail(lines?: number): string;
  /** The whole log, as JSON lines parsed where they parse. */
  logLines(): Record<string, unknown>[];
  /** Resident memory of the controller process in bytes (from /proc). */
  rssBytes(): number | undefined;
  /** GET /metrics. */
  metrics(): Promise<string>;
  /** SIGTERM and wait (graceful shutdown); SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** A signal to the controller alone, e.g. SIGKILL to simulate a crash. */
  kill(signal: NodeJS.Signals): void;
}

/** The controller's resident set size, from /proc/<pid>/status (Linux). */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface DevCluster {
  clusterName: string;
  region: string;
  namespace: string;
  serviceAccount: string;
  controlPlane: ControlPlane;
  moto: Moto;
  aws: SeededAWS;
  bridge: KubeletBridge;
  /** kubeconfig for the admin (system:masters). */
  adminKubeconfig: string;
  /** kubeconfig authenticating as the chart's ServiceAccount (a TokenRequest token). */
  controllerKubeconfig: string;
  /** A KubeConfig for the admin. */
  kubeConfig(): KubeConfig;
  /** The environment to run `tenon controller` with against this cluster. */
  controllerEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Starts `tenon controller` against this cluster, as the chart's ServiceAccount. */
  startController(opts?: ControllerOptions): Promise<ControllerProcess>;
  /** `kubectl …` as the admin; returns stdout, throws with stderr. */
  kubectl(args: string[], input?: string): string;
  stop(): Promise<void>;
}

/** The Kubernetes minor version as AMI aliases spell it, e.g. "1.34". */
export const kubernetesMinor = (): string => versions.kubernetes.replace(/^v/, "").split(".").slice(0, 2).join(".");

/** Renders the chart with `helm template` and returns its documents. */
export function helmTemplate(opts: { releaseName: string; namespace: string; set?: string[]; showOnly?: string[]; valuesFiles?: string[]; apiVersions?: string[] }): Record<string, unknown>[] {
  ensureBuilt(["helm"]);
  const args = ["template", opts.releaseName, CHART_DIR, "--namespace", opts.namespace, "--kube-version", versions.kubernetes];
  for (const f of opts.valuesFiles ?? []) args.push("--values", f);
  for (const a of opts.apiVersions ?? []) args.push("--api-versions", a);
  for (const s of opts.set ?? []) args.push("--set", s);
  for (const s of opts.showOnly ?? []) args.push("--show-only", s);
  const res = spawnSync(bin.helm, args, { encoding: "utf8", env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir(), HELM_DATA_HOME: tmpdir() } });
  if (res.status !== 0) throw new Error(`helm ${args.join(" ")} failed: ${res.stderr}`);
  return parseAllDocuments(res.stdout)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === "object");
}

function runKubectl(kubeconfig: string, args: string[], input?: string): string {
  const res = spawnSync(bin.kubectl, ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

const RBAC_KINDS = new Set(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);

export async function startDevCluster(opts: DevClusterOptions = {}): Promise<DevCluster> {
  const log = opts.log ?? (() => undefined);
  const clusterName = opts.clusterName ?? DEFAULT_CLUSTER_NAME;
  const namespace = opts.namespace ?? "tenon";
  const releaseName = opts.releaseName ?? "tenon";
  ensureBuilt(["etcd", "kubernetes", "kwok", "moto", "helm"]);

  // Named by this process, so a later start sweeps it if this process is killed before stop().
  const seedDir = makeTempDir("tenon-seed");
  const forgetSeedDir = onExit(() => removeDir(seedDir));
  const seed = motoSeedEnv(seedDir, kubernetesMinor());
  let moto: Moto | undefined;
  let cp: ControlPlane | undefined;
  let bridge: KubeletBridge | undefined;
  const stop = async () => {
    await bridge?.stop();
    await Promise.all([cp?.stop(), moto?.stop()]);
    removeDir(seedDir);
    forgetSeedDir();
  };
  try {
    log("starting moto and the control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)");
    const started = Date.now();
    const [m, c] = await Promise.allSettled([
      startMoto({ env: seed.env }),
      startControlPlane({
        controllerManager: true,
        scheduler: true,
        kwok: { manageNodesWithAnnotationSelector: "", manageNodesWithLabelSelector: "karpenter.sh/nodepool" },
      }),
    ]);
    if (m.status === "fulfilled") moto = m.value;
    if (c.status === "fulfilled") cp = c.value;
    if (m.status === "rejected") throw m.reason;
    if (c.status === "rejected") throw c.reason;
    const controlPlane = cp!;
    const aws = moto!;
    log(`control plane ${controlPlane.server} and moto ${aws.endpoint} up in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const seeded = await seedAWS(aws, seed.amis, { clusterName });
    log(`seeded moto: ${seeded.vpcId}, subnets ${seeded.subnets.map((s) => `${s.id} (${s.zone})`).join(", ")}, ${seeded.securityGroupId}, role ${seeded.nodeRoleName}`);

    const kc = controlPlane.kubeConfig();
    const crds = await installCRDs(kc, join(CHART_DIR, "crds"));
    log(`installed CRDs ${crds.join(", ")}`);

    const kubectl = (args: string[], input?: string) => runKubectl(controlPlane.kubeconfigPath, args, input);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    // kube-dns as a cluster would have it: the controller reads its cluster IP for new nodes' clusterDNS.
    await core
      .createNamespacedService({
        namespace: "kube-system",
        body: {
          metadata: { name: "kube-dns", labels: { "k8s-app": "kube-dns" } },
          spec: { clusterIP: KUBE_DNS_IP, selector: { "k8s-app": "kube-dns" }, ports: [{ name: "dns", port: 53, protocol: "UDP" }] },
        },
      })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });

    // The chart's ServiceAccount and RBAC, exactly as Helm would install them.
    const rendered = helmTemplate({ releaseName, namespace, set: [`settings.clusterName=${clusterName}`, ...(opts.helmSet ?? [])] });
    const rbac = rendered.filter((d) => RBAC_KINDS.has(String(d.kind)));
    kubectl(["apply", "-f", "-"], rbac.map((d) => JSON.stringify(d)).join("\n"));
    const sa = rbac.find((d) => d.kind === "ServiceAccount") as { metadata: { name: string } } | undefined;
    if (!sa) throw new Error("the chart rendered no ServiceAccount");
    log(`applied the chart's ${rbac.map((d) => `${String(d.kind)}`).join(", ")} in namespace ${namespace}`);
    const token = await controlPlane.serviceAccountToken(namespace, sa.metadata.name, 24 * 3600);
    const controllerKubeconfig = controlPlane.writeKubeconfig(token, "tenon-controller");

    const ec2 = new EC2Client(aws.clientConfig());
    bridge = new KubeletBridge({
      ec2,
      kubeConfig: kc,
      region: aws.region,
      kubeletVersion: versions.kubernetes,
      intervalMs: opts.bridge?.intervalMs,
      bootDelayMs: opts.bridge?.bootDelayMs,
      log,
    });
    bridge.start();
    const theBridge = bridge;
    let controllerCount = 0;
    const controllerEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {};
      // Nothing of the caller's AWS or Kubernetes settings may leak into the controller.
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && k !== "KUBECONFIG") env[k] = v;
      return {
        ...env,
        CLUSTER_NAME: clusterName,
        CLUSTER_ENDPOINT: controlPlane.server,
        KUBECONFIG: controllerKubeconfig,
        POD_NAMESPACE: namespace,
        AWS_REGION: aws.region,
        AWS_ENDPOINT_URL: aws.endpoint,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_EC2_METADATA_DISABLED: "true",
        // Node 20 is what tenon supports; the SDK's notice about its future plans is noise here.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...extra,
      };
    };

    return {
      clusterName,
      region: aws.region,
      namespace,
      serviceAccount: sa.metadata.name,
      controlPlane,
      moto: aws,
      aws: seeded,
      bridge: theBridge,
      adminKubeconfig: controlPlane.kubeconfigPath,
      controllerKubeconfig,
      kubeConfig: () => controlPlane.kubeConfig(),
      controllerEnv,
      async startController(copts = {}) {
        const name = copts.name ?? `controller-${++controllerCount}`;
        const ports = { metrics: await freePort(), health: await freePort() };
        const logPath = join(controlPlane.tmpDir, `${name}.log`);
        const env = controllerEnv({ METRICS_PORT: String(ports.metrics), HEALTH_PROBE_PORT: String(ports.health), ...copts.env });
        const p = startProcess(name, process.execPath, {
          args: copts.entry?.endsWith(".js") ? [copts.entry, "controller"] : ["--import", "tsx", copts.entry ?? join(repoRoot, "src", "cli", "main.ts"), "controller"],
          cwd: repoRoot,
          env,
          logPath,
        });
        const metricsURL = `http://127.0.0.1:${ports.metrics}/metrics`;
        const healthURL = `http://127.0.0.1:${ports.health}`;
        const proc: ControllerProcess = {
          name,
          pid: p.pid,
          logPath,
          metricsURL,
          healthURL,
          exited: p.exited,
          running: () => p.running(),
          logTail: (lines) => p.logTail(lines),
          logLines: () =>
            readFileSync(logPath, "utf8")
              .split("\n")
              .filter((l) => l.startsWith("{"))
              .flatMap((l) => {
                try {
                  return [JSON.parse(l) as Record<string, unknown>];
                } catch {
                  return [];
                }
              }),
          rssBytes: () => rssOf(p.pid),
          metrics: async () => (await request(metricsURL, { timeoutMs: 5000 })).body,
          stop: (graceMs = 30_000) => p.stop(graceMs),
          kill: (signal) => {
            try {
              process.kill(p.pid, signal);
            } catch {
              // already gone
            }
          },
        };
        if (copts.waitReady ?? true) {
          await waitFor(`${name} /readyz`, async () => ((await request(`${healthURL}/readyz`, { timeoutMs: 2000 })).status === 200 ? true : undefined), {
            timeoutMs: 90_000,
            intervalMs: 250,
            watch: [p],
          });
        }
        return proc;
      },
      kubectl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
