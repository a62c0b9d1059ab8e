// Builders for disruption tests and benchmarks: NodeClaims with their Nodes (launched, registered,
// initialized) as the lifecycle controller leaves them, pods bound to them, and the
// DisruptionInput they make, shaped as the cluster state cache holds them. A disruption pod runs,
// is Ready, belongs to a ReplicaSet and asks for 100m / 128Mi unless told otherwise; a NodePool
// buys on-demand capacity unless its requirements say otherwise.
import type { V1Node, V1Pod, V1PodDisruptionBudget, V1Taint } from "@kubernetes/client-node";
import { CapacityTypeLabel, HostnameLabel, NodeInitializedLabel, NodePoolLabel, NodeRegisteredLabel, ZoneLabel } from "../../src/apis/labels.js";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { NodePool } from "../../src/apis/nodepool.js";
import { parseNodeClaim } from "../../src/apis/parse.js";
import type { InstanceType } from "../../src/cloudprovider/types.js";
import { nodePoolHashAnnotations } from "../../src/apis/nodepoolhash.js";
import { formatQuantity } from "../../src/core/quantity.js";
import type { DisruptionInput } from "../../src/disruption/types.js";
import { allocatable } from "../../src/scheduling/instancetypes.js";
import { type PodOptions as BasePodOptions, type PoolOptions, T0, nodePool as baseNodePool, pod as basePod, iso } from "./builders.js";
import { standardTypes } from "./instancetypes.js";

export { T0, day, hour, iso, minute, pdb, daemonSet, type PoolOptions } from "./builders.js";
export { standardSizes, standardTypes } from "./instancetypes.js";

/** A NodePool; it buys on-demand capacity unless its requirements say otherwise. */
export function nodePool(name: string, o: PoolOptions = {}): NodePool {
  return baseNodePool(name, { ...o, requirements: o.requirements ?? [{ key: CapacityTypeLabel, operator: "In", values: ["on-demand"] }] });
}

export interface NodeOptions {
  pool: NodePool;
  type: InstanceType;
  zone?: string;
  capacityType?: "on-demand" | "spot";
  /** Creation time (default one day before T0). */
  created?: number;
  initialized?: boolean;
  lastPodEventTime?: number;
  annotations?: Record<string, string>;
  claimAnnotations?: Record<string, string>;
  taints?: V1Taint[];
  ready?: boolean;
  deleting?: boolean;
  expireAfter?: string;
  terminationGracePeriod?: string;
  labels?: Record<string, string>;
  conditions?: { type: string; status: "True" | "False" | "Unknown"; reason: string; message?: string; lastTransitionTime: string }[];
}

/** A NodeClaim and its Node, launched from the pool as the lifecycle controller leaves them. */
export function managedNode(name: string, o: NodeOptions): { node: V1Node; claim: NodeClaim } {
  const zone = o.zone ?? "us-east-1a";
  const ct = o.capacityType ?? "on-demand";
  const created = o.created ?? T0 - 86_400_000;
  const providerID = `aws:///${zone}/i-${name}`;
  const poolName = o.pool.metadata.name ?? "";
  const typeLabels: Record<string, string> = {};
  for (const r of o.type.requirements) if (r.operator === "In" && r.values?.length === 1) typeLabels[r.key] = r.values[0]!;
  const labels: Record<string, string> = {
    ...typeLabels,
    ...(o.pool.spec.template.metadata?.labels ?? {}),
    ...(o.labels ?? {}),
    [NodePoolLabel]: poolName,
    [ZoneLabel]: zone,
    [CapacityTypeLabel]: ct,
  };
  const initialized = o.initialized !== false;
  const alloc = allocatable(o.type);
  const list = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, formatQuantity(v, k)]));
  const t = iso(created + 60_000);
  const claim = parseNodeClaim({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: iso(created),
      labels,
      annotations: { ...nodePoolHashAnnotations(o.pool), ...(o.claimAnnotations ?? {}) },
      ...(o.deleting ? { deletionTimestamp: iso(T0 - 1000) } : {}),
    },
    spec: {
      requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: [o.type.name] }],
      nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
      expireAfter: o.expireAfter ?? o.pool.spec.template.spec.expireAfter,
      ...((o.terminationGracePeriod ?? o.pool.spec.template.spec.terminationGracePeriod) ? { terminationGracePeriod: o.terminationGracePeriod ?? o.pool.spec.template.spec.terminationGracePeriod } : {}),
    },
    status: {
      providerID,
      nodeName: name,
      capacity: list(o.type.capacity),
      allocatable: list(alloc),
      ...(o.lastPodEventTime !== undefined ? { lastPodEventTime: iso(o.lastPodEventTime) } : {}),
      conditions: [
        { type: "Launched", status: "True", reason: "Launched", message: "", lastTransitionTime: t },
        { type: "Registered", status: "True", reason: "Registered", message: "", lastTransitionTime: t },
        initialized
          ? { type: "Initialized", status: "True", reason: "Initialized", message: "", lastTransitionTime: t }
          : { type: "Initialized", status: "Unknown", reason: "NodeNotReady", message: "", lastTransitionTime: t },
        ...(o.conditions ?? []),
      ],
    },
  });
  const node: V1Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: `node-uid-${name}`,
      creationTimestamp: iso(created + 30_000) as unknown as Date,
      labels: { ...labels, [HostnameLabel]: name, [NodeRegisteredLabel]: "true", ...(initialized ? { [NodeInitializedLabel]: "true" } : {}) },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: iso(T0 - 1000) as unknown as Date } : {}),
    },
    spec: { providerID, ...(o.taints ? { taints: o.taints } : {}) },
    status: {
      capacity: list(o.type.capacity),
      allocatable: list(alloc),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
  return { node, claim };
}

export interface PodOptions extends BasePodOptions {
  /** Waiting for a node: no nodeName, PodScheduled False (Unschedulable). */
  pending?: boolean;
}

/** A running, Ready pod of a ReplicaSet (100m / 128Mi), or a pending one kube-scheduler gave up on. */
export function pod(name: string, o: PodOptions = {}): V1Pod {
  const { pending, ...rest } = o;
  return basePod(name, {
    cpu: "100m",
    memory: "128Mi",
    owner: "ReplicaSet",
    labels: { app: name },
    uid: `pod-${o.namespace ?? "default"}-${name}`,
    phase: pending ? "Pending" : "Running",
    conditions: pending ? [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] : [{ type: "Ready", status: "True" }],
    ...rest,
  });
}

export interface ClusterSpec {
  pools: NodePool[];
  nodes?: { node: V1Node; claim: NodeClaim }[];
  pods?: V1Pod[];
  pdbs?: V1PodDisruptionBudget[];
  types?: InstanceType[] | Record<string, InstanceType[]>;
}

export function clusterInput(c: ClusterSpec): DisruptionInput {
  const types = c.types ?? standardTypes();
  const instanceTypes = new Map<string, InstanceType[]>();
  for (const np of c.pools) {
    const name = np.metadata.name ?? "";
    instanceTypes.set(name, Array.isArray(types) ? types : (types[name] ?? []));
  }
  return {
    nodePools: c.pools,
    nodeClaims: (c.nodes ?? []).map((n) => n.claim),
    nodes: (c.nodes ?? []).map((n) => n.node),
    pods: c.pods ?? [],
    pdbs: c.pdbs ?? [],
    instanceTypes,
  };
}
export { checkPlan, planChecked, type CheckOptions } from "./disruption-check.js";
