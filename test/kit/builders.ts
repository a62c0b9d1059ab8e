// Plain-object builders every test kit shares: NodePools, pods, PodDisruptionBudgets and
// DaemonSets, shaped as the API server returns them. Each kit (scheduling.ts, disruption.ts) puts
// its own defaults on top: a scheduling pod is pending and asks for nothing unless told, a
// disruption pod runs on a node, belongs to a ReplicaSet and asks for 100m / 128Mi.
import type {
  V1Affinity,
  V1Container,
  V1DaemonSet,
  V1Pod,
  V1PodCondition,
  V1PodDisruptionBudget,
  V1Taint,
  V1Toleration,
  V1TopologySpreadConstraint,
  V1Volume,
} from "@kubernetes/client-node";
import type { NodePool, NodePoolInput } from "../../src/apis/nodepool.js";
import { parseNodePool } from "../../src/apis/parse.js";

/** The tests' "now": Monday 2026-01-05 12:00 UTC. */
export const T0 = Date.parse("2026-01-05T12:00:00Z");
export const iso = (ms: number): string => new Date(ms).toISOString();
export const Gi = 2 ** 30;
export const Mi = 2 ** 20;
export const minute = 60_000;
export const hour = 3_600_000;
export const day = 86_400_000;

export type BudgetReason = "Underutilized" | "Empty" | "Drifted";

export interface PoolOptions {
  /** Checked by the NodePool schema, so a test may write an operator as a plain string. */
  requirements?: { key: string; operator: string; values?: string[]; minValues?: number }[];
  /** Labels of the template (every node of the pool carries them). */
  labels?: Record<string, string>;
  taints?: V1Taint[];
  startupTaints?: V1Taint[];
  weight?: number;
  limits?: Record<string, string | number>;
  annotations?: Record<string, string>;
  consolidationPolicy?: "WhenEmpty" | "WhenEmptyOrUnderutilized" | "Balanced";
  consolidateAfter?: string;
  budgets?: { nodes: string; schedule?: string; duration?: string; reasons?: BudgetReason[] }[];
  expireAfter?: string;
  terminationGracePeriod?: string;
  /** The NodePool's Ready condition (default True). */
  ready?: boolean;
  deleting?: boolean;
}

const poolTaints = (ts: readonly V1Taint[] | undefined) => ts?.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect as "NoSchedule" }));

/** A NodePool as the API server holds it (defaults applied), Ready unless told otherwise. */
export function nodePool(name: string, o: PoolOptions = {}): NodePool {
  const input = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: {
      name,
      uid: `uid-${name}`,
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: iso(T0 - minute) } : {}),
    },
    spec: {
      ...(o.weight !== undefined ? { weight: o.weight } : {}),
      ...(o.limits ? { limits: o.limits } : {}),
      template: {
        ...(o.labels ? { metadata: { labels: o.labels } } : {}),
        spec: {
          requirements: o.requirements ?? [],
          ...(o.taints ? { taints: poolTaints(o.taints) } : {}),
          ...(o.startupTaints ? { startupTaints: poolTaints(o.startupTaints) } : {}),
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
    },
    status: { conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", reason: o.ready === false ? "NotReady" : "Ready", message: "", lastTransitionTime: iso(T0 - day) }] },
  } as NodePoolInput;
  return parseNodePool(input);
}

export type PodOwner = "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Node" | "none";

export interface PodOptions {
  /** Bound to this node (spec.nodeName). */
  node?: string;
  cpu?: string;
  memory?: string;
  /** Further requests of the one container. */
  requests?: Record<string, string>;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: PodOwner;
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  tolerations?: V1Toleration[];
  spread?: V1TopologySpreadConstraint[];
  hostPorts?: { port: number; protocol?: string; ip?: string }[];
  volumes?: V1Volume[];
  initContainers?: V1Container[];
  /** Replaces the one container the builder makes. */
  containers?: V1Container[];
  overhead?: Record<string, string>;
  priority?: number;
  phase?: string;
  conditions?: V1PodCondition[];
  /** Has a deletionTimestamp. */
  deleting?: boolean;
  uid?: string;
  /** Merged over the spec last. */
  spec?: Partial<NonNullable<V1Pod["spec"]>>;
}

let uidSeq = 0;

/** A pod with one container asking for what it is told (nothing by default), Pending unless told. */
export function pod(name: string, o: PodOptions = {}): V1Pod {
  const requests: Record<string, string> = { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}), ...(o.requests ?? {}) };
  const ports = o.hostPorts?.map((p) => ({ containerPort: p.port, hostPort: p.port, ...(p.protocol ? { protocol: p.protocol } : {}), ...(p.ip ? { hostIP: p.ip } : {}) }));
  const containers: V1Container[] = o.containers ?? [{ name: "app", image: "pause", resources: { requests }, ...(ports ? { ports } : {}) }];
  const owner = o.owner ?? "none";
  const ownerReferences = owner === "none" ? [] : [{ apiVersion: owner === "Node" ? "v1" : "apps/v1", kind: owner, name: `${name}-owner`, uid: `owner-${name}`, controller: true }];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: o.namespace ?? "default",
      uid: o.uid ?? `uid-${name}-${uidSeq++}`,
      labels: o.labels ?? {},
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
      ...(o.deleting ? { deletionTimestamp: new Date(T0 - minute) } : {}),
    },
    spec: {
      containers,
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.spread ? { topologySpreadConstraints: o.spread } : {}),
      ...(o.volumes ? { volumes: o.volumes } : {}),
      ...(o.overhead ? { overhead: o.overhead } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.spec ?? {}),
    },
    status: { phase: o.phase ?? "Pending", ...(o.conditions ? { conditions: o.conditions } : {}) },
  };
}

/** A PodDisruptionBudget whose status allows `disruptionsAllowed` evictions now. */
export function pdb(name: string, matchLabels: Record<string, string>, disruptionsAllowed: number, o: { namespace?: string; alwaysAllowUnhealthy?: boolean } = {}): V1PodDisruptionBudget {
  return {
    metadata: { name, namespace: o.namespace ?? "default" },
    spec: { selector: { matchLabels }, maxUnavailable: 1, ...(o.alwaysAllowUnhealthy ? { unhealthyPodEvictionPolicy: "AlwaysAllow" } : {}) },
    status: { disruptionsAllowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
  };
}

export function daemonSet(name: string, o: { cpu?: string; memory?: string; nodeSelector?: Record<string, string>; tolerations?: V1Toleration[]; affinity?: V1Affinity } = {}): V1DaemonSet {
  return {
    metadata: { name, namespace: "kube-system" },
    spec: {
      selector: { matchLabels: { ds: name } },
      template: {
        metadata: { labels: { ds: name } },
        spec: {
          containers: [{ name: "d", image: "d", resources: { requests: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) } } }],
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
          ...(o.tolerations ? { tolerations: o.tolerations } : {}),
          ...(o.affinity ? { affinity: o.affinity } : {}),
        },
      },
    },
  };
}
