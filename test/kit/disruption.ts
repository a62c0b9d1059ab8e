// Plain-object builders for disruption tests and benchmarks: NodePools, NodeClaims with their
// Nodes (launched, registered, initialized), pods and PodDisruptionBudgets, shaped as the cluster
// state cache holds them. Test support only; nothing in the controller uses it.
import type { V1Node, V1Pod, V1PodDisruptionBudget, V1Taint } from "@kubernetes/client-node";
import {
  CapacityTypeLabel,
  HostnameLabel,
  NodeInitializedLabel,
  NodePoolLabel,
  NodeRegisteredLabel,
  ZoneLabel,
} from "../../src/apis/labels.js";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { NodePool, NodePoolInput } from "../../src/apis/nodepool.js";
import { parseNodeClaim, parseNodePool } from "../../src/apis/parse.js";
import { fakeInstanceType } from "../../src/cloudprovider/fake/instancetypes.js";
import type { InstanceType } from "../../src/cloudprovider/types.js";
import { nodePoolHashAnnotations } from "../../src/controllers/nodepool/hash.js";
import { allocatable } from "../../src/scheduling/instancetypes.js";
import { formatQuantity } from "../../src/core/quantity.js";
import type { DisruptionInput } from "../../src/disruption/types.js";

export const T0 = Date.parse("2026-01-05T12:00:00Z");
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Made-up types converted like real ones: c.1 … c.16 (cpu = n, 2n GiB, $0.05 n on demand, spot 40%). */
export function standardTypes(sizes: readonly number[] = [1, 2, 4, 8, 16]): InstanceType[] {
  return sizes.map((n) => fakeInstanceType({ name: `c.${n}x`, cpu: n, memoryMiB: n * 2048, price: 0.05 * n }));
}

export interface PoolOptions {
  consolidationPolicy?: "WhenEmpty" | "WhenEmptyOrUnderutilized";
  consolidateAfter?: string;
  budgets?: { nodes: string; schedule?: string; duration?: string; reasons?: ("Underutilized" | "Empty" | "Drifted")[] }[];
  limits?: Record<string, string>;
  annotations?: Record<string, string>;
  requirements?: { key: string; operator: string; values?: string[]; minValues?: number }[];
  labels?: Record<string, string>;
  expireAfter?: string;
  terminationGracePeriod?: string;
  weight?: number;
  ready?: boolean;
}

export function nodePool(name: string, o: PoolOptions = {}): NodePool {
  const input = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name, uid: `uid-${name}`, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      template: {
        ...(o.labels ? { metadata: { labels: o.labels } } : {}),
        spec: {
          requirements: o.requirements ?? [{ key: CapacityTypeLabel, operator: "In", values: ["on-demand"] }],
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
          ...(o.expireAfter ? { expireAfter: o.expireAfter } : {}),
          ...(o.terminationGracePeriod ? { terminationGracePeriod: o.terminationGracePeriod } : {}),
        },
      },
      disruption: {
        consolidateAfter: o.consolidateAfter ?? "0s",
        ...(o.consolidationPolicy ? { consolidationPolicy: o.consolidationPolicy } : {}),
        ...(o.budgets ? { budgets: o.budgets } : {}),
      },
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.weight ? { weight: o.weight } : {}),
    },
    status: { conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", reason: "Ready", message: "", lastTransitionTime: iso(T0 - 86_400_000) }] },
  } as NodePoolInput;
  return parseNodePool(input);
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

export interface PodOptions {
  node?: string;
  cpu?: string;
  memory?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Node" | "none";
  nodeSelector?: Record<string, string>;
  phase?: string;
  pending?: boolean;
  spec?: Partial<NonNullable<V1Pod["spec"]>>;
}

export function pod(name: string, o: PodOptions = {}): V1Pod {
  const owner = o.owner ?? "ReplicaSet";
  const ownerRef =
    owner === "none" ? [] : [{ apiVersion: owner === "Node" ? "v1" : "apps/v1", kind: owner, name: `${name}-owner`, uid: `owner-${name}`, controller: true }];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.namespace ?? "default", uid: `pod-${name}`, labels: o.labels ?? { app: name }, ...(o.annotations ? { annotations: o.annotations } : {}), ownerReferences: ownerRef },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: [{ name: "c", image: "pause", resources: { requests: { cpu: o.cpu ?? "100m", memory: o.memory ?? "128Mi" } } }],
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.spec ?? {}),
    },
    status: {
      phase: o.phase ?? (o.pending ? "Pending" : "Running"),
      ...(o.pending ? { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] } : { conditions: [{ type: "Ready", status: "True" }] }),
    },
  };
}

export function pdb(name: string, matchLabels: Record<string, string>, disruptionsAllowed: number, namespace = "default"): V1PodDisruptionBudget {
  return { metadata: { name, namespace }, spec: { selector: { matchLabels }, maxUnavailable: 1 }, status: { disruptionsAllowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } };
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
