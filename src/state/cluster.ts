import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PolicyV1Api,
  StorageV1Api,
  type V1DaemonSet,
  type V1Node,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1StorageClass,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type EC2NodeClass, EC2NodeClassSchema, type NodeClaim, NodeClaimSchema, type NodePool, NodePoolSchema } from "../apis/index.js";
import { formatPath } from "../apis/parse.js";
import { ClusterModel, type ModelIndex, type ModelOptions } from "./model.js";
import { isProvisionable } from "./predicates.js";
import { Rejected, Store } from "./store.js";

/** Keeps a by-key index of a store in step with its events (the key may change, or go). */
function reindex<T>(index: Map<string, T>, event: "add" | "update" | "delete", obj: T, old: T | undefined, keyOf: (o: T) => string | undefined): void {
  // The store hands over the object it held before (the same one on delete).
  const before = old !== undefined ? keyOf(old) : undefined;
  if (before !== undefined && index.get(before) === old) index.delete(before);
  if (event === "delete") return;
  const after = keyOf(obj);
  if (after !== undefined) index.set(after, obj);
}
import type { z } from "zod";

type CustomList = { items: unknown[]; metadata?: { resourceVersion?: string } };

/**
 * Everything tenon decides from, cached from watches: one Store per kind, plus indexes the
 * controllers need often (pods by node, nodes and claims by provider ID).
 */
export class ClusterState {
  readonly pods: Store<V1Pod>;
  readonly nodes: Store<V1Node>;
  readonly nodeClaims: Store<NodeClaim>;
  readonly nodePools: Store<NodePool>;
  readonly nodeClasses: Store<EC2NodeClass>;
  readonly daemonSets: Store<V1DaemonSet>;
  readonly claims: Store<V1PersistentVolumeClaim>;
  readonly volumes: Store<V1PersistentVolume>;
  readonly storageClasses: Store<V1StorageClass>;
  readonly pdbs: Store<V1PodDisruptionBudget>;
  private readonly podsByNode = new Map<string, Map<string, V1Pod>>();
  private readonly pending = new Map<string, V1Pod>();
  private readonly nodesByProviderID = new Map<string, V1Node>();
  private readonly claimsByProviderID = new Map<string, NodeClaim>();
  /** The watches' indexes, in the shape the cluster model reads (src/state/model.ts). */
  readonly index: ModelIndex = {
    podsOnNode: (name) => this.podsOnNode(name),
    pendingPods: () => [...this.pending.values()],
    pod: (key) => {
      const slash = key.indexOf("/");
      return this.pods.get(key.slice(slash + 1), key.slice(0, slash));
    },
  };

  constructor(kc: KubeConfig, logger?: Pick<Logger, "warn" | "debug">) {
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const storage = kc.makeApiClient(StorageV1Api);
    const policy = kc.makeApiClient(PolicyV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const base = { kc, logger };
    const customStore = <S extends z.ZodType>(group: string, plural: string, kind: string, schema: S) =>
      new Store<z.output<S> & { metadata: { name?: string } }>({
        ...base,
        path: `/apis/${group}/v1/${plural}`,
        list: async () => (await custom.listClusterCustomObject({ group, version: "v1", plural })) as CustomList,
        convert: (raw) => {
          const parsed = schema.safeParse(raw);
          if (parsed.success) return parsed.data as z.output<S> & { metadata: { name?: string } };
          const name = (raw as { metadata?: { name?: string } }).metadata?.name;
          const issue = parsed.error.issues[0];
          const field = issue ? formatPath(issue.path) : "";
          const problem = issue?.message ?? "does not match the schema";
          logger?.warn({ kind, name, field, problem }, `setting aside invalid ${kind}`);
          return new Rejected(raw as Record<string, unknown>, field, `${field ? `${field}: ` : ""}${problem}`);
        },
      });

    this.pods = new Store({ ...base, path: "/api/v1/pods", list: () => core.listPodForAllNamespaces() });
    this.nodes = new Store({ ...base, path: "/api/v1/nodes", list: () => core.listNode() });
    this.nodeClaims = customStore("karpenter.sh", "nodeclaims", "NodeClaim", NodeClaimSchema);
    this.nodePools = customStore("karpenter.sh", "nodepools", "NodePool", NodePoolSchema);
    this.nodeClasses = customStore("karpenter.k8s.aws", "ec2nodeclasses", "EC2NodeClass", EC2NodeClassSchema);
    this.daemonSets = new Store({ ...base, path: "/apis/apps/v1/daemonsets", list: () => apps.listDaemonSetForAllNamespaces() });
    this.claims = new Store({ ...base, path: "/api/v1/persistentvolumeclaims", list: () => core.listPersistentVolumeClaimForAllNamespaces() });
    this.volumes = new Store({ ...base, path: "/api/v1/persistentvolumes", list: () => core.listPersistentVolume() });
    this.storageClasses = new Store({ ...base, path: "/apis/storage.k8s.io/v1/storageclasses", list: () => storage.listStorageClass() });
    this.pdbs = new Store({ ...base, path: "/apis/policy/v1/poddisruptionbudgets", list: () => policy.listPodDisruptionBudgetForAllNamespaces() });

    // Indexes kept event by event, so that reading the cluster per pass touches only what it needs.
    this.pods.on((event, pod, old) => {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      if (old?.spec?.nodeName && (event === "delete" || old.spec.nodeName !== pod.spec?.nodeName)) this.podsByNode.get(old.spec.nodeName)?.delete(key);
      if (event !== "delete" && pod.spec?.nodeName) {
        let m = this.podsByNode.get(pod.spec.nodeName);
        if (!m) this.podsByNode.set(pod.spec.nodeName, (m = new Map()));
        m.set(key, pod);
      }
      if (event !== "delete" && isProvisionable(pod)) this.pending.set(key, pod);
      else this.pending.delete(key);
    });
    this.nodes.on((event, node, old) => reindex(this.nodesByProviderID, event, node, old, (n) => n.spec?.providerID));
    this.nodeClaims.on((event, claim, old) => reindex(this.claimsByProviderID, event, claim, old, (c) => c.status?.providerID));
  }

  private get stores() {
    return [this.pods, this.nodes, this.nodeClaims, this.nodePools, this.nodeClasses, this.daemonSets, this.claims, this.volumes, this.storageClasses, this.pdbs];
  }

  /** Starts every watch and resolves when each has its first full list. */
  async start(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.start()));
  }

  get synced(): boolean {
    return this.stores.every((s) => s.synced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.stop()));
  }

  podsOnNode(nodeName: string): V1Pod[] {
    return [...(this.podsByNode.get(nodeName)?.values() ?? [])];
  }

  nodeByProviderID(providerID: string): V1Node | undefined {
    return this.nodesByProviderID.get(providerID);
  }

  nodeClaimByProviderID(providerID: string): NodeClaim | undefined {
    return this.claimsByProviderID.get(providerID);
  }

  /** The one cluster model of what the watches hold now (src/state/model.ts). */
  model(opts: ModelOptions): ClusterModel {
    return ClusterModel.build(
      { nodes: this.nodes.list(), nodeClaims: this.nodeClaims.list(), pods: this.pods.list(), daemonSets: this.daemonSets.list(), nodePools: this.nodePools.list(), index: this.index },
      opts,
    );
  }
}
