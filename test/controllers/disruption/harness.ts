// The disruption controller against a real API server, with the real NodeClaim lifecycle and node
// termination controllers and the in-memory cloud provider. A small "kubelet" plays the instances:
// for every launched NodeClaim it registers a Ready Node with the claim's provider ID and
// resources (optionally after a delay), as a kubelet joining the cluster would.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, type V1Pod, setHeaderOptions } from "@kubernetes/client-node";
import { pino } from "pino";
import type { NodeClaim } from "../../../src/apis/nodeclaim.js";
import { NodeClaimSchema } from "../../../src/apis/nodeclaim.js";
import { FakeCloudProvider } from "../../../src/cloudprovider/fake/index.js";
import { type DisruptionSettings, newDisruptionController } from "../../../src/controllers/disruption/index.js";
import type { ControllerDeps, ManagedController } from "../../../src/controllers/shared/deps.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { newNodeTerminationController } from "../../../src/controllers/node/termination/controller.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { standardTypes } from "../../kit/disruption.js";
import { type Event, EventRecorder } from "../../../src/operator/events.js";
import { makeClients } from "../../../src/operator/kube.js";
import { defaultFeatureGates } from "../../../src/operator/config.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { ClusterState } from "../../../src/state/cluster.js";
import { waitFor } from "../../env/index.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
export const NodeClaimsAPI = { group: "karpenter.sh", version: "v1", plural: "nodeclaims" } as const;
export const NodePoolsAPI = { group: "karpenter.sh", version: "v1", plural: "nodepools" } as const;
export const NS = "default";

export interface Harness {
  deps: ControllerDeps;
  fake: FakeCloudProvider;
  events: Event[];
  registry: Registry;
  state: ClusterState;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** Delay, per NodeClaim name prefix, before the kubelet registers its node. */
  registrationDelayMs: Map<string, number>;
  disruption: ReturnType<typeof newDisruptionController>;
  stop(): Promise<void>;
}

export const testSettings: Partial<DisruptionSettings> = {
  pollingPeriodMs: 250,
  orchestrationPollMs: 200,
  validationTTLMs: 1500,
  replacementGraceMs: 3000,
  replacementTimeoutMs: 30_000,
  podEventDedupeMs: 1000,
};

export async function startHarness(kc: KubeConfig, settings: Partial<DisruptionSettings> = testSettings): Promise<Harness> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const state = new ClusterState(kc, logger);
  const events: Event[] = [];
  const recorder = new EventRecorder({ sink: async (event) => void events.push(event), dedupeTimeoutMs: 1 });
  const registry = new Registry();
  const fake = new FakeCloudProvider({ instanceTypes: standardTypes() });
  const kube = makeClients(kc);
  const deps: ControllerDeps = { kube, state, cloudProvider: fake, recorder, logger, clock: realClock, metrics: createMetrics(registry) };
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const registrationDelayMs = new Map<string, number>();
  const disruption = newDisruptionController({ ...deps, config: { featureGates: defaultFeatureGates, disruption: settings } });
  const controllers: ManagedController[] = [newNodeClaimLifecycleController(deps), newNodeTerminationController(deps), disruption];

  // The kubelet: a Ready node for every launched claim.
  const registering = new Set<string>();
  const register = async (claim: NodeClaim) => {
    const name = claim.metadata.name ?? "";
    const providerID = claim.status?.providerID;
    if (!providerID || registering.has(name) || claim.metadata.deletionTimestamp) return;
    if (state.nodeByProviderID(providerID)) return;
    registering.add(name);
    const delay = [...registrationDelayMs].find(([prefix]) => name.startsWith(prefix))?.[1] ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    try {
      await core.createNode({ body: { metadata: { name, labels: { "kubernetes.io/hostname": name } }, spec: { providerID, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] } } });
      const now = new Date();
      await core.patchNodeStatus(
        {
          name,
          body: {
            status: {
              conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
              capacity: claim.status?.capacity ?? {},
              allocatable: claim.status?.allocatable ?? {},
            },
          },
        },
        mergePatch,
      );
    } catch {
      registering.delete(name);
    }
  };
  state.nodeClaims.on((event, claim) => {
    if (event !== "delete") void register(claim);
  });
  // The node lifecycle controller's part: a Ready node loses the not-ready taint admission put on it.
  const untaint = setInterval(() => {
    for (const n of state.nodes.list()) {
      const taints = n.spec?.taints ?? [];
      const ready = (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      if (!ready || !taints.some((t) => t.key === "node.kubernetes.io/not-ready")) continue;
      void core
        .patchNode({ name: n.metadata!.name!, body: { metadata: { resourceVersion: n.metadata?.resourceVersion }, spec: { taints: taints.filter((t) => t.key !== "node.kubernetes.io/not-ready") } } }, mergePatch)
        .catch(() => undefined);
    }
  }, 200);

  for (const c of controllers) c.watch(state);
  await state.start();
  const abort = new AbortController();
  const running = Promise.all(controllers.map((c) => c.run(abort.signal)));
  return {
    deps,
    fake,
    events,
    registry,
    state,
    core,
    custom,
    registrationDelayMs,
    disruption,
    async stop() {
      clearInterval(untaint);
      abort.abort();
      await running;
      await recorder.flush();
      await state.stop();
    },
  };
}

export interface PoolSpec {
  budgets?: { nodes: string; reasons?: string[]; schedule?: string; duration?: string }[];
  consolidateAfter?: string;
  consolidationPolicy?: string;
  annotations?: Record<string, string>;
  limits?: Record<string, string>;
}

/** Creates a NodePool and marks it Ready (no EC2NodeClass controller runs here). */
export async function createPool(h: Harness, name: string, o: PoolSpec = {}): Promise<void> {
  await h.custom.createClusterCustomObject({
    ...NodePoolsAPI,
    body: {
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name, ...(o.annotations ? { annotations: o.annotations } : {}) },
      spec: {
        template: {
          metadata: { labels: { pool: name } },
          spec: {
            requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }],
            nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
          },
        },
        disruption: { consolidateAfter: o.consolidateAfter ?? "0s", ...(o.consolidationPolicy ? { consolidationPolicy: o.consolidationPolicy } : {}), ...(o.budgets ? { budgets: o.budgets } : {}) },
        ...(o.limits ? { limits: o.limits } : {}),
      },
    },
  });
  await h.custom.patchClusterCustomObjectStatus(
    { ...NodePoolsAPI, name, body: { status: { conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "", lastTransitionTime: new Date().toISOString() }] } } },
    mergePatch,
  );
  await wait(`nodepool ${name} in the cache, Ready`, () => (h.state.nodePools.get(name)?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? true : undefined));
}

/** A NodeClaim of the pool for one instance type, launched by the lifecycle controller and registered by the kubelet; resolves once Initialized. */
export async function createNode(h: Harness, name: string, pool: string, type: string, extra: { expireAfter?: string } = {}): Promise<NodeClaim> {
  await h.custom.createClusterCustomObject({
    ...NodeClaimsAPI,
    body: {
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name, labels: { "karpenter.sh/nodepool": pool, pool } },
      spec: {
        requirements: [
          { key: "node.kubernetes.io/instance-type", operator: "In", values: [type] },
          { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
          { key: "karpenter.sh/nodepool", operator: "In", values: [pool] },
        ],
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
        ...(extra.expireAfter ? { expireAfter: extra.expireAfter } : {}),
      },
    },
  });
  return waitInitialized(h, name);
}

export function waitInitialized(h: Harness, name: string, timeoutMs = 30_000): Promise<NodeClaim> {
  return wait(
    `nodeclaim ${name} initialized`,
    () => {
      const c = h.state.nodeClaims.get(name);
      const node = c?.status?.nodeName ? h.state.nodes.get(c.status.nodeName) : undefined;
      return c?.status?.conditions?.some((x) => x.type === "Initialized" && x.status === "True") && node?.metadata?.labels?.["karpenter.sh/initialized"] === "true" ? c : undefined;
    },
    timeoutMs,
  );
}

export function podOn(name: string, node: string, o: { cpu?: string; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): V1Pod {
  return {
    metadata: { name, namespace: NS, labels: o.labels ?? { app: name }, ...(o.annotations ? { annotations: o.annotations } : {}), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${name}-rs`, uid: `00000000-0000-0000-0000-${name.replace(/[^0-9a-f]/g, "0").padStart(12, "0").slice(-12)}`, controller: true }] },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: o.cpu ?? "500m", memory: "256Mi" } } }] },
  };
}

export async function createPod(h: Harness, pod: V1Pod): Promise<void> {
  await h.core.createNamespacedPod({ namespace: NS, body: pod });
  await wait(`pod ${pod.metadata?.name} in the cache`, () => (h.state.pods.get(pod.metadata!.name!, NS) ? true : undefined));
}

export async function readClaim(h: Harness, name: string): Promise<NodeClaim | undefined> {
  try {
    return NodeClaimSchema.parse(await h.custom.getClusterCustomObject({ ...NodeClaimsAPI, name }));
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Removes every NodeClaim, Node, Pod and NodePool, finalizers and all, so the next test starts clean. */
export async function wipe(h: Harness): Promise<void> {
  await h.core.deleteCollectionNamespacedPod({ namespace: NS, gracePeriodSeconds: 0 });
  const claims = (await h.custom.listClusterCustomObject({ ...NodeClaimsAPI })) as { items: NodeClaim[] };
  for (const c of claims.items) {
    const name = c.metadata.name ?? "";
    await h.custom.patchClusterCustomObject({ ...NodeClaimsAPI, name, body: { metadata: { finalizers: null } } }, mergePatch).catch(() => undefined);
    await h.custom.deleteClusterCustomObject({ ...NodeClaimsAPI, name }).catch(() => undefined);
  }
  for (const n of (await h.core.listNode()).items) {
    const name = n.metadata?.name ?? "";
    await h.core.patchNode({ name, body: { metadata: { finalizers: null } } }, mergePatch).catch(() => undefined);
    await h.core.deleteNode({ name }).catch(() => undefined);
  }
  await h.custom.deleteCollectionClusterCustomObject({ ...NodePoolsAPI }).catch(() => undefined);
  await wait("cluster wiped", () => (h.state.nodeClaims.list().length + h.state.nodes.list().length + h.state.nodePools.list().length + h.state.pods.list().length === 0 ? true : undefined), 30_000);
}

export const wait = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> =>
  waitFor(what, async () => probe(), { timeoutMs, intervalMs: 100 });

export const tainted = (h: Harness, node: string): boolean => (h.state.nodes.get(node)?.spec?.taints ?? []).some((t) => t.key === "karpenter.sh/disrupted");
export const deleting = (h: Harness, claim: string): boolean => {
  const c = h.state.nodeClaims.get(claim);
  return c === undefined || c.metadata.deletionTimestamp !== undefined;
};
