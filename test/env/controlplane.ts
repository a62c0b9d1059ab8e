// A local Kubernetes control plane on loopback: etcd and kube-apiserver, and on request
// kube-controller-manager, kube-scheduler and kwok (which plays the kubelets of fake nodes).
// Every process runs from the pinned binaries in the build cache, on free 127.0.0.1 ports, with
// its state and logs in one temp dir that stop() removes.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { readTestKwokStages } from "./kwokstages.js";
import { bin, ensureBuilt, kwokStages, type Target } from "./paths.js";
import { freePort, makeTempDir, onExit, removeDir, request, startProcess, waitFor, type ManagedProcess } from "./proc.js";

export { installCRDs } from "./crds.js";

/** The annotation that marks a Node as one of kwok's fake nodes (kwok's own convention). */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const KWOK_NODE_ANNOTATION_VALUE = "fake";

export interface KwokOptions {
  /** Default `kwok.x-k8s.io/node=fake`; set "" to select by label only. */
  manageNodesWithAnnotationSelector?: string;
  /** E.g. `karpenter.sh/nodepool` (nodes that carry the label). */
  manageNodesWithLabelSelector?: string;
  /** Pod IP range for pods on nodes without spec.podCIDR. Default 10.0.0.0/16. */
  cidr?: string;
  args?: string[];
}

export interface ControlPlaneOptions {
  controllerManager?: boolean;
  scheduler?: boolean;
  kwok?: boolean | KwokOptions;
  /** Extra flags, appended after the defaults (a later flag wins). */
  apiServerArgs?: string[];
  controllerManagerArgs?: string[];
  schedulerArgs?: string[];
  /** For everything to be up. Default 120 s (a 2-core machine under load is slow). */
  startTimeoutMs?: number;
  /** Leave the temp dir (logs, etcd data) after stop(); also TENON_TESTENV_KEEP=1. */
  keepTmpDir?: boolean;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of user "admin" in group system:masters. */
  adminToken: string;
  /** A kubeconfig file for the admin token, verifying the server with caFile. */
  kubeconfigPath: string;
  /** The CA bundle of the API server's self-signed serving certificate. */
  caFile: string;
  tmpDir: string;
  /** Address of kwok's kubelet-like server (logs, exec, healthz), when kwok runs. */
  kwokServerAddress?: string;
  processes: Record<string, ManagedProcess>;
  /** A fresh KubeConfig for the admin user. */
  kubeConfig(): KubeConfig;
  /** A KubeConfig that authenticates with the given bearer token. */
  kubeConfigForToken(token: string): KubeConfig;
  /** Writes a kubeconfig file for the token into tmpDir and returns its path. */
  writeKubeconfig(token: string, name?: string): string;
  /** A token for a ServiceAccount (TokenRequest API; the account must exist). */
  serviceAccountToken(namespace: string, name: string, expirationSeconds?: number): Promise<string>;
  /**
   * Stops kube-apiserver, waits downMs (or until the given function resolves, for a test that
   * waits on a condition while the server is away), and starts it again on the same port (etcd
   * keeps the data).
   */
  restartApiServer(downMs?: number | (() => Promise<unknown>)): Promise<void>;
  /** Kills every process (SIGTERM, then SIGKILL) and removes tmpDir. Safe to call twice. */
  stop(): Promise<void>;
}

const SERVICE_CIDR = "10.96.0.0/12";
const SA_ISSUER = "https://kubernetes.default.svc.cluster.local";

function kubeconfigYaml(server: string, caFile: string, user: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "tenon-test", cluster: { server, "certificate-authority": caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "tenon-test", context: { cluster: "tenon-test", user } }],
    "current-context": "tenon-test",
  });
}

function kubeConfigFor(server: string, caFile: string, user: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "tenon-test", server, caFile, skipTLSVerify: false }],
    users: [{ name: user, token }],
    contexts: [{ name: "tenon-test", cluster: "tenon-test", user }],
    currentContext: "tenon-test",
  });
  return kc;
}

/**
 * Starts the control plane and waits until it serves. Retries once with new ports when a port
 * was taken between choosing and binding it.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const targets: Target[] = ["etcd", "kubernetes"];
  if (opts.kwok) targets.push("kwok");
  ensureBuilt(targets);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt < 3 && err instanceof Error && /address already in use/i.test(err.message)) continue;
      throw err;
    }
  }
}

async function startOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const keep = opts.keepTmpDir ?? process.env.TENON_TESTENV_KEEP === "1";
  const tmpDir = makeTempDir("tenon-cp", keep);
  const forgetDir = keep ? () => false : onExit(() => removeDir(tmpDir));
  const processes: Record<string, ManagedProcess> = {};
  const log = (name: string) => join(tmpDir, `${name}.log`);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Dependents first, so they do not spend their last seconds on a vanished API server.
    const order = ["kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"];
    for (const name of order) await processes[name]?.stop();
    if (!keep) {
      removeDir(tmpDir);
      forgetDir();
    }
  };

  try {
    // etcd
    const [etcdClient, etcdPeer] = [await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = startProcess("etcd", bin.etcd, {
      logPath: log("etcd"),
      args: [
        "--name=default",
        `--data-dir=${join(tmpDir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        "--unsafe-no-fsync", // throwaway data: skip fsync, much faster on slow disks
        "--log-level=warn",
      ],
    });
    processes.etcd = etcd;

    // Credentials: a service-account key pair and a static admin token.
    const pki = join(tmpDir, "pki");
    mkdirSync(pki);
    const sa = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    const saPub = join(pki, "sa.pub");
    const saKey = join(pki, "sa.key");
    writeFileSync(saPub, sa.publicKey);
    writeFileSync(saKey, sa.privateKey, { mode: 0o600 });
    const adminToken = randomBytes(24).toString("hex");
    const tokenFile = join(pki, "tokens.csv");
    writeFileSync(tokenFile, `${adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });

    await waitFor(
      "etcd /health",
      async () => ((await request(`${etcdUrl}/health`, { timeoutMs: 2000 })).status === 200 ? true : undefined),
      { timeoutMs, watch: [etcd] },
    );

    // kube-apiserver
    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const certDir = join(pki, "apiserver");
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      `--service-account-issuer=${SA_ISSUER}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--token-auth-file=${tokenFile}`,
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      // The "kubernetes" Endpoints would point at 127.0.0.1, which Endpoints validation rejects.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
    ];
    // Without kube-controller-manager no one creates the "default" ServiceAccount, and the
    // ServiceAccount admission plugin would reject every pod.
    if (!opts.controllerManager) apiArgs.push("--disable-admission-plugins=ServiceAccount");
    const startApiServer = async () => {
      const apiserver = startProcess("kube-apiserver", bin.kubeApiserver, {
        logPath: log("kube-apiserver"),
        args: [...apiArgs, ...(opts.apiServerArgs ?? [])],
      });
      processes["kube-apiserver"] = apiserver;
      await waitFor(
        "kube-apiserver /readyz",
        async () => {
          const res = await request(`${server}/readyz`, { token: adminToken, timeoutMs: 5000 });
          return res.status === 200 && res.body.trim() === "ok" ? true : undefined;
        },
        { timeoutMs, intervalMs: 250, watch: [etcd, apiserver] },
      );
    };
    await startApiServer();

    // The serving certificate file holds the certificate and the CA that signed it.
    const caFile = join(certDir, "apiserver.crt");
    let kubeconfigCount = 0;
    const writeKubeconfig = (token: string, name?: string) => {
      const file = join(tmpDir, `${name ?? `user-${++kubeconfigCount}`}.kubeconfig`);
      writeFileSync(file, kubeconfigYaml(server, caFile, name ?? "user", token), { mode: 0o600 });
      return file;
    };
    const kubeconfigPath = writeKubeconfig(adminToken, "admin");

    const waitHealthz = (p: ManagedProcess, url: string) =>
      waitFor(`${p.name} ${url}`, async () => ((await request(url, { timeoutMs: 2000 })).status === 200 ? true : undefined), {
        timeoutMs,
        intervalMs: 250,
        watch: [p, processes["kube-apiserver"]!],
      });
    const pending: Promise<unknown>[] = [];

    if (opts.controllerManager) {
      const port = await freePort();
      const p = startProcess("kube-controller-manager", bin.kubeControllerManager, {
        logPath: log("kube-controller-manager"),
        args: [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          `--service-account-private-key-file=${saKey}`,
          `--root-ca-file=${caFile}`,
          "--use-service-account-credentials=true",
          "--leader-elect=false",
          "--bind-address=127.0.0.1",
          `--secure-port=${port}`,
          "--profiling=false",
          ...(opts.controllerManagerArgs ?? []),
        ],
      });
      processes["kube-controller-manager"] = p;
      pending.push(waitHealthz(p, `https://127.0.0.1:${port}/healthz`));
    }

    if (opts.scheduler) {
      const port = await freePort();
      const p = startProcess("kube-scheduler", bin.kubeScheduler, {
        logPath: log("kube-scheduler"),
        args: [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          "--leader-elect=false",
          "--bind-address=127.0.0.1",
          `--secure-port=${port}`,
          "--profiling=false",
          ...(opts.schedulerArgs ?? []),
        ],
      });
      processes["kube-scheduler"] = p;
      pending.push(waitHealthz(p, `https://127.0.0.1:${port}/healthz`));
    }

    let kwokServerAddress: string | undefined;
    if (opts.kwok) {
      const k: KwokOptions = opts.kwok === true ? {} : opts.kwok;
      const annotationSelector =
        k.manageNodesWithAnnotationSelector ?? `${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`;
      kwokServerAddress = `127.0.0.1:${await freePort()}`;
      // kwok's default stages, plus the test-only one that holds a node's Ready at Unknown.
      const stagesPath = join(tmpDir, "kwok-stages.yaml");
      writeFileSync(stagesPath, readTestKwokStages(kwokStages));
      const args = [
        `--kubeconfig=${kubeconfigPath}`,
        `--config=${stagesPath}`,
        "--manage-all-nodes=false",
        `--cidr=${k.cidr ?? "10.0.0.0/16"}`,
        "--node-lease-duration-seconds=40", // the stages heartbeat through Leases, like kubelets
        `--server-address=${kwokServerAddress}`,
      ];
      if (annotationSelector) args.push(`--manage-nodes-with-annotation-selector=${annotationSelector}`);
      if (k.manageNodesWithLabelSelector) args.push(`--manage-nodes-with-label-selector=${k.manageNodesWithLabelSelector}`);
      if (!annotationSelector && !k.manageNodesWithLabelSelector) {
        throw new Error("startControlPlane: kwok needs manageNodesWithAnnotationSelector or manageNodesWithLabelSelector");
      }
      const p = startProcess("kwok", bin.kwok, {
        logPath: log("kwok"),
        // kwok would otherwise also read ~/.kwok/kwok.yaml.
        env: { ...process.env, HOME: tmpDir },
        args: [...args, ...(k.args ?? [])],
      });
      processes.kwok = p;
      pending.push(waitHealthz(p, `http://${kwokServerAddress}/healthz`));
    }

    await Promise.all(pending);

    const kubeConfig = () => kubeConfigFor(server, caFile, "admin", adminToken);
    if (opts.controllerManager) {
      // Until the serviceaccount controller has made default/default, pods there are rejected.
      const core = kubeConfig().makeApiClient(CoreV1Api);
      await waitFor(
        "ServiceAccount default/default",
        async () => ((await core.readNamespacedServiceAccount({ namespace: "default", name: "default" })) ? true : undefined),
        { timeoutMs, intervalMs: 200, watch: Object.values(processes) },
      );
    }
    return {
      server,
      adminToken,
      kubeconfigPath,
      caFile,
      tmpDir,
      kwokServerAddress,
      processes,
      kubeConfig,
      kubeConfigForToken: (token) => kubeConfigFor(server, caFile, "user", token),
      writeKubeconfig,
      async serviceAccountToken(namespace, name, expirationSeconds = 3600) {
        const core = kubeConfig().makeApiClient(CoreV1Api);
        const res = await core.createNamespacedServiceAccountToken({
          namespace,
          name,
          body: { spec: { audiences: [SA_ISSUER], expirationSeconds } },
        });
        const token = res.status?.token;
        if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no status.token`);
        return token;
      },
      async restartApiServer(downMs = 0) {
        await processes["kube-apiserver"]?.stop();
        if (typeof downMs === "function") await downMs();
        else if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        // Same port and certificate directory: clients reconnect to what they knew.
        await startApiServer();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
