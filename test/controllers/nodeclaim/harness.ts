// Shared by the NodeClaim and Node controller integration tests: the deps the controllers take,
// built against a real API server, with the fake cloud provider, events captured in memory and
// metrics on a private registry; plus small object builders and waits.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import { pino } from "pino";
import type { NodeClaim, NodeClaimInput } from "../../../src/apis/nodeclaim.js";
import { NodeClaimSchema } from "../../../src/apis/nodeclaim.js";
import { FakeCloudProvider } from "../../../src/cloudprovider/fake/index.js";
import type { ControllerDeps, ManagedController } from "../../../src/controllers/shared/deps.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { type Event, EventRecorder } from "../../../src/operator/events.js";
import { makeClients } from "../../../src/operator/kube.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { ClusterState } from "../../../src/state/cluster.js";
import { waitFor } from "../../env/index.js";

export interface Harness {
  deps: ControllerDeps;
  fake: FakeCloudProvider;
  events: Event[];
  registry: Registry;
  state: ClusterState;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** Watches and runs controllers until the returned stop() is called. */
  run(...controllers: ManagedController[]): () => Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(kc: KubeConfig): Promise<Harness> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const state = new ClusterState(kc, logger);
  await state.start();
  const events: Event[] = [];
  const recorder = new EventRecorder({ sink: async (event) => void events.push(event), dedupeTimeoutMs: 1 });
  const registry = new Registry();
  const fake = new FakeCloudProvider();
  const deps: ControllerDeps = { kube: makeClients(kc), state, cloudProvider: fake, recorder, logger, clock: realClock, metrics: createMetrics(registry) };
  const running: (() => Promise<void>)[] = [];
  return {
    deps,
    fake,
    events,
    registry,
    state,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    run(...controllers) {
      const abort = new AbortController();
      for (const c of controllers) c.watch(state);
      const done = Promise.all(controllers.map((c) => c.run(abort.signal)));
      const stop = async () => {
        abort.abort();
        await done;
      };
      running.push(stop);
      return stop;
    },
    async stop() {
      for (const s of running.splice(0)) await s();
      await state.stop();
    },
  };
}

export const nodeClaimsAPI = { group: "karpenter.sh", version: "v1", plural: "nodeclaims" } as const;

/** A NodeClaim for m5.large on-demand in the `default` NodePool. */
export function nodeClaimManifest(name: string, spec: Partial<NodeClaimInput["spec"]> = {}, labels: Record<string, string> = {}): NodeClaimInput {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, labels: { "karpenter.sh/nodepool": "default", ...labels } },
    spec: {
      requirements: [
        { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] },
        { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
      ],
      nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
      ...spec,
    },
  };
}

export async function createNodeClaim(h: Harness, manifest: NodeClaimInput): Promise<NodeClaim> {
  return NodeClaimSchema.parse(await h.custom.createClusterCustomObject({ ...nodeClaimsAPI, body: manifest }));
}

export async function deleteNodeClaimByName(h: Harness, name: string): Promise<void> {
  await h.custom.deleteClusterCustomObject({ ...nodeClaimsAPI, name });
}

/** The claim as the API server has it now, or undefined once it is gone. */
export async function readNodeClaim(h: Harness, name: string): Promise<NodeClaim | undefined> {
  try {
    return NodeClaimSchema.parse(await h.custom.getClusterCustomObject({ ...nodeClaimsAPI, name }));
  } catch (err) {
    if (typeof err === "object" && err !== null && "code" in err && err.code === 404) return undefined;
    throw err;
  }
}

export async function readNode(h: Harness, name: string): Promise<V1Node | undefined> {
  try {
    return await h.core.readNode({ name });
  } catch (err) {
    if (typeof err === "object" && err !== null && "code" in err && err.code === 404) return undefined;
    throw err;
  }
}

export const condition = (claim: NodeClaim | undefined, type: string) => claim?.status?.conditions?.find((c) => c.type === type);

export const wait = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> =>
  waitFor(what, async () => probe(), { timeoutMs, intervalMs: 100 });

/** A metric's value for the given labels (0 when it has no such series). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  return data.values
    .filter((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}
