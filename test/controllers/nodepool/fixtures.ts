// Shared by the NodePool, EC2NodeClass and provisioner integration tests: objects, a fake node
// class resolver, and a harness that runs the real controllers against a real API server with the
// in-memory cloud provider.
import type { CoreV1Event, KubeConfig } from "@kubernetes/client-node";
import type { EC2NodeClass, EC2NodeClassStatus, NodeClaim } from "../../../src/apis/index.js";
import { FakeCloudProvider } from "../../../src/cloudprovider/fake/index.js";
import type { InstanceType } from "../../../src/cloudprovider/types.js";
import { NodeClassController, type NodeClassResolution } from "../../../src/cloudprovider/aws/controllers/nodeclass/index.js";
import type { ControllerDeps, ManagedController } from "../../../src/controllers/nodepool/index.js";
import { NodePoolHashController, NodePoolStatusController } from "../../../src/controllers/nodepool/index.js";
import { type NodePoolAllowed, Provisioner } from "../../../src/controllers/provisioning/index.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { EventRecorder, coreV1EventSink } from "../../../src/operator/events.js";
import { type KubeClients, makeClients } from "../../../src/operator/kube.js";
import { createLogger } from "../../../src/operator/logging.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { ClusterState } from "../../../src/state/cluster.js";
import { waitFor } from "../../env/index.js";

export const nodeClassRef = { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" };

export function ec2NodeClass(name = "default"): Record<string, unknown> {
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name },
    spec: {
      role: "KarpenterNodeRole-test",
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "test" } }],
      securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "test" } }],
    },
  };
}

export function nodePool(name: string, spec: Record<string, unknown> = {}, template: Record<string, unknown> = {}): Record<string, unknown> {
  const { metadata, spec: templateSpec, ...rest } = template as { metadata?: unknown; spec?: Record<string, unknown> };
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: {
      template: {
        ...(metadata ? { metadata } : {}),
        spec: { requirements: [], nodeClassRef, ...templateSpec },
        ...rest,
      },
      ...spec,
    },
  };
}

/** A resolver that answers from a function, and records deletions. */
export class FakeResolver implements NodeClassResolution {
  readonly deleted: string[] = [];
  calls = 0;
  answer: (nc: EC2NodeClass) => EC2NodeClassStatus = () => ({
    subnets: [{ id: "subnet-0a1", zone: "us-east-1a", zoneID: "use1-az1" }],
    securityGroups: [{ id: "sg-0a1", name: "nodes" }],
    amis: [{ id: "ami-0a1", name: "al2023", requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] }],
    instanceProfile: "test_0123456789abcdef",
  });

  async resolveNodeClass(nc: EC2NodeClass): Promise<EC2NodeClassStatus> {
    this.calls++;
    return this.answer(nc);
  }

  async deleteNodeClassResources(nc: EC2NodeClass): Promise<void> {
    this.deleted.push(nc.metadata.name ?? "");
  }
}

export interface Harness {
  state: ClusterState;
  kube: KubeClients;
  cloudProvider: FakeCloudProvider;
  resolver: FakeResolver;
  recorder: EventRecorder;
  registry: Registry;
  controllers: Record<string, ManagedController>;
  provisioner?: Provisioner;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  instanceTypes?: InstanceType[];
  /** Which controllers run; all by default. */
  run?: ("nodeclass" | "nodepool.status" | "nodepool.hash" | "provisioner")[];
  batchIdleDurationMs?: number;
  batchMaxDurationMs?: number;
  nodePoolAllowed?: NodePoolAllowed;
}

export async function startHarness(kc: KubeConfig, opts: HarnessOptions = {}): Promise<Harness> {
  const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL as "debug" | undefined) ?? "silent" });
  const state = new ClusterState(kc, logger);
  const kube = makeClients(kc);
  const registry = new Registry();
  const recorder = new EventRecorder({ sink: coreV1EventSink(kube.core, { reportingInstance: "tenon-test" }), logger });
  const cloudProvider = new FakeCloudProvider(opts.instanceTypes ? { instanceTypes: opts.instanceTypes } : {});
  const resolver = new FakeResolver();
  const deps: ControllerDeps = { kube, state, cloudProvider, recorder, logger, clock: realClock, metrics: createMetrics(registry) };
  const wanted = new Set(opts.run ?? ["nodeclass", "nodepool.status", "nodepool.hash", "provisioner"]);
  const controllers: Record<string, ManagedController> = {};
  if (wanted.has("nodeclass")) controllers.nodeclass = new NodeClassController({ ...deps, resolver });
  if (wanted.has("nodepool.status")) controllers["nodepool.status"] = new NodePoolStatusController(deps);
  if (wanted.has("nodepool.hash")) controllers["nodepool.hash"] = new NodePoolHashController(deps);
  let provisioner: Provisioner | undefined;
  if (wanted.has("provisioner")) {
    provisioner = new Provisioner({
      ...deps,
      registry,
      config: { batchIdleDurationMs: opts.batchIdleDurationMs ?? 300, batchMaxDurationMs: opts.batchMaxDurationMs ?? 3000 },
      ...(opts.nodePoolAllowed ? { nodePoolAllowed: opts.nodePoolAllowed } : {}),
    });
    controllers.provisioner = provisioner;
  }
  for (const c of Object.values(controllers)) c.watch(state);
  await state.start();
  const abort = new AbortController();
  const running = Object.values(controllers).map((c) => c.run(abort.signal));
  return {
    state,
    kube,
    cloudProvider,
    resolver,
    recorder,
    registry,
    controllers,
    ...(provisioner ? { provisioner } : {}),
    async stop() {
      abort.abort();
      await Promise.all(running);
      await recorder.flush();
      await state.stop();
    },
  };
}

const custom = (group: string, plural: string) => ({ group, version: "v1", plural });
export const NodePoolsAPI = custom("karpenter.sh", "nodepools");
export const NodeClaimsAPI = custom("karpenter.sh", "nodeclaims");
export const EC2NodeClassesAPI = custom("karpenter.k8s.aws", "ec2nodeclasses");

export async function create(kube: KubeClients, api: { group: string; version: string; plural: string }, body: Record<string, unknown>): Promise<void> {
  await kube.customObjects.createClusterCustomObject({ ...api, body });
}

export async function get<T>(kube: KubeClients, api: { group: string; version: string; plural: string }, name: string): Promise<T | undefined> {
  try {
    return (await kube.customObjects.getClusterCustomObject({ ...api, name })) as T;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function listNodeClaims(kube: KubeClients, nodePool?: string): Promise<NodeClaim[]> {
  const list = (await kube.customObjects.listClusterCustomObject({ ...NodeClaimsAPI, ...(nodePool ? { labelSelector: `karpenter.sh/nodepool=${nodePool}` } : {}) })) as { items: NodeClaim[] };
  return list.items;
}

export async function events(kube: KubeClients, namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

/** Waits for an object's condition to have a status, and returns the object. */
export async function waitForCondition<T extends { status?: { conditions?: { type: string; status: string }[] } }>(
  kube: KubeClients,
  api: { group: string; version: string; plural: string },
  name: string,
  type: string,
  status: string,
  timeoutMs = 20_000,
): Promise<T> {
  return waitFor(
    `${api.plural}/${name} ${type}=${status}`,
    async () => {
      const o = await get<T>(kube, api, name);
      return o?.status?.conditions?.some((c) => c.type === type && c.status === status) ? o : undefined;
    },
    { timeoutMs },
  );
}
