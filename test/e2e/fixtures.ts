// Manifests and cluster reads shared by the demo (scripts/demo.ts) and the end-to-end tests.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Deployment, type V1Node, type V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";

export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

export interface NodePoolOptions {
  name?: string;
  nodeClass?: string;
  /** spec.limits, e.g. { cpu: "8" }. */
  limits?: Record<string, string>;
  /** Extra requirements after the defaults. */
  requirements?: Record<string, unknown>[];
  labels?: Record<string, string>;
  taints?: Record<string, unknown>[];
  weight?: number;
  /** Largest instance size in vCPUs (karpenter.k8s.aws/instance-cpu Lt max+1): more, smaller nodes. */
  maxCPU?: number;
  /** spec.disruption.consolidateAfter; "Never" unless given (the demo consolidates, tests mostly not). */
  consolidateAfter?: string;
}

/** A NodePool like Karpenter's getting-started one: on-demand c/m/r of generation 5 and later, amd64. */
export function nodePool(o: NodePoolOptions = {}): Record<string, unknown> {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: o.name ?? "default" },
    spec: {
      template: {
        metadata: o.labels ? { labels: o.labels } : {},
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: o.nodeClass ?? "default" },
          requirements: [
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["4"] },
            ...(o.maxCPU !== undefined ? [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Lt", values: [String(o.maxCPU + 1)] }] : []),
            ...(o.requirements ?? []),
          ],
          ...(o.taints ? { taints: o.taints } : {}),
          expireAfter: "720h",
        },
      },
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.weight !== undefined ? { weight: o.weight } : {}),
      // Consolidation would remove nodes while a test looks at them; tests that want it set it.
      disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: o.consolidateAfter ?? "Never" },
    },
  };
}

export interface DedicatedPoolOptions {
  name: string;
  /** Largest instance size in vCPUs. */
  maxCPU: number;
  /** spec.disruption as the test needs it. */
  disruption: Record<string, unknown>;
  limits?: Record<string, string>;
  /** spec.template.spec.terminationGracePeriod; with it, expireAfter is written out too (720h). */
  terminationGracePeriod?: string;
}

/**
 * A NodePool only its own pods use: its nodes are labelled and tainted pool=<name>, on-demand
 * c/m amd64 up to maxCPU vCPUs, so a test's nodes never take another's pods.
 */
export function dedicatedPool(o: DedicatedPoolOptions): Record<string, unknown> {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: o.name },
    spec: {
      template: {
        metadata: { labels: { pool: o.name } },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
          requirements: [
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m"] },
            { key: "karpenter.k8s.aws/instance-cpu", operator: "Lt", values: [String(o.maxCPU + 1)] },
          ],
          taints: [{ key: "pool", value: o.name, effect: "NoSchedule" }],
          ...(o.terminationGracePeriod ? { expireAfter: "720h", terminationGracePeriod: o.terminationGracePeriod } : {}),
        },
      },
      ...(o.limits ? { limits: o.limits } : {}),
      disruption: o.disruption,
    },
  };
}

/** An EC2NodeClass selecting the seeded subnets and security group, on the AL2023 alias. */
export function ec2NodeClass(clusterName: string, roleName: string, name = "default"): Record<string, unknown> {
  const discovery = { "karpenter.sh/discovery": clusterName };
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name },
    spec: {
      role: roleName,
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      subnetSelectorTerms: [{ tags: discovery }],
      securityGroupSelectorTerms: [{ tags: discovery }],
    },
  };
}

export interface DeploymentOptions {
  name: string;
  namespace?: string;
  replicas: number;
  cpu: string;
  memory?: string;
  nodeSelector?: Record<string, string>;
  labels?: Record<string, string>;
}

/** pause containers with requests: kwok "runs" them on the nodes tenon brings up. */
export function deployment(o: DeploymentOptions): V1Deployment {
  const labels = { app: o.name, ...o.labels };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: o.name, namespace: o.namespace ?? "default" },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: o.name } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
          containers: [
            {
              name: "pause",
              image: PAUSE_IMAGE,
              resources: { requests: { cpu: o.cpu, ...(o.memory ? { memory: o.memory } : {}) } },
            },
          ],
        },
      },
    },
  };
}

export const toYAMLStream = (objs: readonly unknown[]): string => objs.map((o) => JSON.stringify(o)).join("\n");

/** A snapshot of what a person watching the demo wants to see. */
export interface Progress {
  nodeClaims: number;
  launched: number;
  registered: number;
  initialized: number;
  nodes: number;
  readyNodes: number;
  pending: number;
  running: number;
  claims: NodeClaim[];
  tenonNodes: V1Node[];
  pods: V1Pod[];
}

const condTrue = (c: NodeClaim, type: string) => (c.status?.conditions ?? []).some((x) => x.type === type && x.status === "True");

export class ClusterReader {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async nodeClaims(): Promise<NodeClaim[]> {
    const res = (await this.custom.listClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodeclaims" })) as { items: NodeClaim[] };
    return res.items;
  }

  async tenonNodes(): Promise<V1Node[]> {
    return (await this.core.listNode({ labelSelector: "karpenter.sh/nodepool" })).items;
  }

  async pods(labelSelector: string, namespace = "default"): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  async progress(labelSelector: string, namespace = "default"): Promise<Progress> {
    const [claims, nodes, pods] = await Promise.all([this.nodeClaims(), this.tenonNodes(), this.pods(labelSelector, namespace)]);
    const ready = (n: V1Node) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    return {
      nodeClaims: claims.length,
      launched: claims.filter((c) => condTrue(c, "Launched")).length,
      registered: claims.filter((c) => condTrue(c, "Registered")).length,
      initialized: claims.filter((c) => condTrue(c, "Initialized")).length,
      nodes: nodes.length,
      readyNodes: nodes.filter(ready).length,
      pending: live.filter((p) => p.status?.phase === "Pending").length,
      running: live.filter((p) => p.status?.phase === "Running").length,
      claims,
      tenonNodes: nodes,
      pods: live,
    };
  }
}

export function progressLine(p: Progress): string {
  return `nodeclaims ${p.nodeClaims} (launched ${p.launched}, registered ${p.registered}, initialized ${p.initialized}) · nodes ${p.readyNodes}/${p.nodes} ready · pods ${p.running} running, ${p.pending} pending`;
}

/** The NodeClaims as rows: name, type, zone, capacity type, node, state. */
export function claimTable(claims: readonly NodeClaim[]): string {
  const rows = [["NAME", "TYPE", "ZONE", "CAPACITY", "NODE", "READY"]];
  for (const c of [...claims].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))) {
    const l = c.metadata.labels ?? {};
    rows.push([
      c.metadata.name ?? "",
      l["node.kubernetes.io/instance-type"] ?? "",
      l["topology.kubernetes.io/zone"] ?? "",
      l["karpenter.sh/capacity-type"] ?? "",
      c.status?.nodeName ?? "",
      condTrue(c, "Ready") ? "True" : condTrue(c, "Initialized") ? "Initialized" : condTrue(c, "Registered") ? "Registered" : condTrue(c, "Launched") ? "Launched" : "Unknown",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
