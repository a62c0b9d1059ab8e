// The one model of the cluster (DESIGN.md, decision 4): every Node joined with its NodeClaim, the
// NodeClaims still without a Node (capacity on its way), the pods bound or nominated to each, and
// what pods can really use of each — allocatable net of the daemonset pods that will still come to
// a node that is not initialized yet. The provisioner, the disruption controller, the metrics and
// `tenon simulate` all read the cluster through this, built from the same plain lists (the watches'
// stores or a manifest snapshot), so they can never see two different clusters.
// Pure: lists in, a model out.
import type { V1DaemonSet, V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import { CapacityTypeLabel, DisruptedTaintKey, HostnameLabel, InstanceTypeLabel, NodeInitializedLabel, NodePoolLabel, ZoneLabel } from "../apis/labels.js";
import type { NodeClaim } from "../apis/nodeclaim.js";
import type { NodePool } from "../apis/nodepool.js";
import { parseResourceList } from "../core/quantity.js";
import { Requirements } from "../core/requirements.js";
import { addInto, maxInto, subtractFloor, sumLists } from "../core/resources.js";
import type { InstanceType, Offering, RequirementSpec, ResourceList } from "../cloudprovider/types.js";
import { type DaemonPod, daemonPods, daemonRunsOn } from "../scheduling/daemonsets.js";
import { isActive, isDeleting, isProvisionable, isReschedulable, isTerminal, podKey, timeOf } from "./predicates.js";

/** A Node (or a NodeClaim still without one) with everything deciding about it needs. */
export interface StateNode {
  /** The Node's name, or the NodeClaim's while it has no Node. */
  name: string;
  node?: V1Node;
  claim?: NodeClaim;
  /** The NodePool it belongs to (its karpenter.sh/nodepool label), when it is managed. */
  nodePoolName?: string;
  /** The node's labels (with its hostname); for a claim without a Node, the labels it will certainly carry. */
  labels: Record<string, string>;
  /** Taints pods must tolerate (a cordoned node carries node.kubernetes.io/unschedulable). */
  taints: V1Taint[];
  /** While in flight: the taints that will be gone by the time pods bind (NodeClaim or NodePool startupTaints). */
  startupTaints?: V1Taint[];
  /** Launched by a NodePool: it has a NodeClaim (or a NodePool label, where snapshots have no claims). */
  managed: boolean;
  /** Managed and initialized (karpenter.sh/initialized), or not managed at all (a node tenon did not launch). */
  initialized: boolean;
  /** Of a NodePool and not initialized (a claim without a Node always): its daemonsets may still be on their way. */
  inFlight: boolean;
  /** Being deleted, tainted karpenter.sh/disrupted, or a candidate of a disruption command in progress. */
  markedForDeletion: boolean;
  /** The Node's Ready condition is True. */
  ready: boolean;
  /** Non-terminal pods bound to the node, or, for a claim without a Node, the active pods nominated to it. */
  pods: V1Pod[];
  /** What pods can use: allocatable (reported, or of the type it will be), less missing daemonset pods while in flight. */
  allocatable: ResourceList;
  /** What it counts for against its NodePool's limits: its Node's capacity, its claim's, or an estimate. */
  capacity: ResourceList;
  /** Whether `capacity` is an estimate (a claim not launched yet: the largest type it may become). */
  capacityEstimated: boolean;
  createdAt: number;
  instanceType?: InstanceType;
  capacityType: string;
  zone: string;
  /** Price of the node's offering (its type, zone and capacity type); undefined when unknown. */
  price?: number;
}

/**
 * Indexes the watches keep up to date event by event (ClusterState), so a model built from the
 * live cluster does not re-derive them from every pod on every pass.
 */
export interface ModelIndex {
  /** Pods bound to the node (terminal ones included; the model leaves them out). */
  podsOnNode(nodeName: string): readonly V1Pod[];
  /** Every pod that is provisionable now. */
  pendingPods(): readonly V1Pod[];
  /** A pod by namespace/name. */
  pod(key: string): V1Pod | undefined;
}

/** The lists the model is built from. */
export interface ModelSources {
  nodes: readonly V1Node[];
  nodeClaims: readonly NodeClaim[];
  /** Every pod: bound ones (by spec.nodeName) and pending ones. */
  pods: readonly V1Pod[];
  daemonSets: readonly V1DaemonSet[];
  /** NodePools, for the startup taints of nodes whose NodeClaim is not known. */
  nodePools?: readonly NodePool[];
  /** The watches' indexes over `pods`; derived from the list when absent (snapshots). */
  index?: ModelIndex;
}

export interface ModelOptions {
  now: number;
  /** Instance types by NodePool name: to size and price claims and nodes. */
  instanceTypes?: ReadonlyMap<string, readonly InstanceType[]>;
  /** NodeClaim names of candidates of disruption commands in progress: marked for deletion. */
  inProgress?: ReadonlySet<string>;
  /** Pods planned onto NodeClaims still without a Node: claim name → pod keys (namespace/name). */
  nominations?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Nodes with a NodePool label but no NodeClaim are managed (snapshots of Nodes without NodeClaims). */
  nodesWithoutClaims?: boolean;
}

const hasDisruptedTaint = (node: V1Node): boolean => (node.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey && t.effect === "NoSchedule");

/** Reads quantities leniently: an object the API server stores has readable ones; anything else counts as none. */
function quantities(list: Record<string, unknown> | undefined): ResourceList {
  try {
    return parseResourceList(list as Record<string, string | number> | undefined);
  } catch {
    return {};
  }
}

/** API taints (timestamps as strings) as the client's taint type. */
export function v1Taints(list: readonly { key: string; value?: string; effect: string }[] | undefined): V1Taint[] {
  return (list ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
}

/** A node's taints as the scheduler sees them: a cordoned node is tainted unschedulable. */
export function nodeTaints(node: V1Node): V1Taint[] {
  const taints = v1Taints(node.spec?.taints);
  if (node.spec?.unschedulable && !taints.some((t) => t.key === "node.kubernetes.io/unschedulable")) taints.push({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" });
  return taints;
}

/** Labels a node of these requirements will certainly carry: each single-valued `In`. */
export function singleValuedLabels(reqs: readonly RequirementSpec[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of reqs) if (r.operator === "In" && r.values?.length === 1 && r.key !== HostnameLabel) out[r.key] = r.values[0]!;
  return out;
}

/** What a node of this type gives pods: capacity less what the kubelet and the system keep. */
export function typeAllocatable(it: InstanceType): ResourceList {
  return subtractFloor(it.capacity, sumLists(it.overhead.kubeReserved, it.overhead.systemReserved, it.overhead.evictionThreshold));
}

/** The instance types a claim may still become: its pool's types named by its instance-type requirement. */
export function candidateTypes(claim: NodeClaim, types: readonly InstanceType[] | undefined): InstanceType[] {
  if (!types) return [];
  const it = Requirements.fromSpecs(claim.spec.requirements as RequirementSpec[]).get(InstanceTypeLabel);
  return types.filter((t) => !it || it.has(t.name));
}

/** The cheapest offering the requirements allow (zone, capacity type, reservation), available or not. */
function cheapestAllowed(offerings: readonly Offering[], reqs: Requirements): Offering | undefined {
  const zone = reqs.get(ZoneLabel);
  const ct = reqs.get(CapacityTypeLabel);
  let best: Offering | undefined;
  for (const o of offerings) {
    if (!o.available || (zone && !zone.has(o.zone)) || (ct && !ct.has(o.capacityType))) continue;
    if (!best || o.price < best.price) best = o;
  }
  return best;
}

/**
 * What pods can use on a claim without a Node: its reported allocatable once launched, else that of
 * the cheapest type it may become (what a launch picks), else at least what it requested.
 */
export function claimAllocatable(claim: NodeClaim, types: readonly InstanceType[] | undefined): ResourceList {
  const reported = quantities(claim.status?.allocatable);
  if (Object.keys(reported).length > 0) return reported;
  const reqs = Requirements.fromSpecs(claim.spec.requirements as RequirementSpec[]);
  let best: { it: InstanceType; price: number } | undefined;
  for (const it of candidateTypes(claim, types)) {
    const o = cheapestAllowed(it.offerings, reqs);
    if (o && (!best || o.price < best.price)) best = { it, price: o.price };
  }
  if (best) return typeAllocatable(best.it);
  return quantities(claim.spec.resources?.requests);
}

/** The capacity counted against limits for a claim not launched yet: the largest type it may become. */
export function claimCapacityEstimate(claim: NodeClaim, types: readonly InstanceType[] | undefined): ResourceList {
  const out: ResourceList = {};
  for (const it of candidateTypes(claim, types)) maxInto(out, it.capacity);
  return Object.keys(out).length > 0 ? out : quantities(claim.spec.resources?.requests);
}

/** The price of the offering a node runs on: its type in its zone and capacity type (availability aside). */
export function offeringPrice(it: InstanceType, labels: Record<string, string>): number | undefined {
  const zone = labels[ZoneLabel];
  const ct = labels[CapacityTypeLabel];
  let best: number | undefined;
  for (const o of it.offerings) {
    if (zone !== undefined && o.zone !== zone) continue;
    if (ct !== undefined && o.capacityType !== ct) continue;
    if (best === undefined || o.price < best) best = o.price;
  }
  return best;
}

export class ClusterModel {
  readonly stateNodes: StateNode[] = [];
  readonly byName = new Map<string, StateNode>();
  /** Pods kube-scheduler could not place, waiting for the provisioner. */
  readonly pendingPods: V1Pod[] = [];
  /** Pods of nodes on their way out, which will need a place too. */
  readonly deletingPods: V1Pod[] = [];
  /** Pending pods already planned onto a NodeClaim without a Node (by pod key). */
  readonly nominated = new Set<string>();

  private constructor(
    readonly sources: ModelSources,
    readonly opts: ModelOptions,
  ) {}

  /** Joins made so far (how often the cluster was read from its lists: benchmarks and tests watch it). */
  static builds = 0;

  static build(sources: ModelSources, opts: ModelOptions): ClusterModel {
    ClusterModel.builds += 1;
    const m = new ClusterModel(sources, opts);
    m.join();
    return m;
  }

  private typesOf(pool: string | undefined): readonly InstanceType[] | undefined {
    return pool === undefined ? undefined : this.opts.instanceTypes?.get(pool);
  }

  private join(): void {
    const { sources, opts } = this;
    const index = sources.index ?? indexOf(sources.pods);
    this.pendingPods.push(...index.pendingPods());
    const poolStartupTaints = new Map((sources.nodePools ?? []).map((np) => [np.metadata.name ?? "", v1Taints(np.spec.template.spec.startupTaints)]));
    const daemons = new DaemonOverhead(sources.daemonSets);

    const claimByProviderID = new Map<string, NodeClaim>();
    const claimByNodeName = new Map<string, NodeClaim>();
    const claimByName = new Map<string, NodeClaim>();
    for (const c of sources.nodeClaims) {
      if (c.status?.providerID) claimByProviderID.set(c.status.providerID, c);
      if (c.status?.nodeName) claimByNodeName.set(c.status.nodeName, c);
      claimByName.set(c.metadata.name ?? "", c);
    }
    const joined = new Set<NodeClaim>();
    const inProgress = opts.inProgress ?? new Set<string>();
    const nodeNames = new Set<string>();
    for (const node of sources.nodes) {
      const name = node.metadata?.name ?? "";
      nodeNames.add(name);
      const providerID = node.spec?.providerID;
      // By provider ID; else by the node name its claim recorded, or a claim of the node's name.
      const claim = (providerID ? claimByProviderID.get(providerID) : undefined) ?? claimByNodeName.get(name) ?? claimByName.get(name);
      if (claim) joined.add(claim);
      const labels: Record<string, string> = { [HostnameLabel]: name, ...(node.metadata?.labels ?? {}) };
      const pool = labels[NodePoolLabel];
      const managed = claim !== undefined || (opts.nodesWithoutClaims === true && pool !== undefined);
      // A node tenon launched (it has a NodeClaim, or a NodePool's label) is in flight until
      // initialized: its daemonsets may not be there yet, its startup taints not gone.
      const inFlight = (claim !== undefined || pool !== undefined) && labels[NodeInitializedLabel] !== "true";
      const pods = index.podsOnNode(name).filter((p) => !isTerminal(p));
      const taints = nodeTaints(node);
      let allocatable = quantities(node.status?.allocatable);
      if (Object.keys(allocatable).length === 0) allocatable = quantities(node.status?.capacity);
      if (Object.keys(allocatable).length === 0 && claim) allocatable = claimAllocatable(claim, this.typesOf(pool));
      if (inFlight) allocatable = subtractFloor(allocatable, daemons.missing(taints, Requirements.fromLabels(labels), pods));
      let capacity = quantities(node.status?.capacity);
      let capacityEstimated = false;
      if (Object.keys(capacity).length === 0 && claim) {
        capacity = quantities(claim.status?.capacity);
        if (Object.keys(capacity).length === 0) {
          capacity = claimCapacityEstimate(claim, this.typesOf(pool));
          capacityEstimated = true;
        }
      }
      const startup = claim?.spec.startupTaints ? v1Taints(claim.spec.startupTaints) : pool !== undefined ? poolStartupTaints.get(pool) : undefined;
      this.add({
        name,
        node,
        ...(claim ? { claim } : {}),
        ...(managed && pool !== undefined ? { nodePoolName: pool } : {}),
        labels,
        taints,
        ...(inFlight && startup && startup.length > 0 ? { startupTaints: startup } : {}),
        managed,
        initialized: !managed || !inFlight,
        inFlight,
        markedForDeletion: isDeleting(node) || (claim !== undefined && isDeleting(claim)) || hasDisruptedTaint(node) || inProgress.has(claim?.metadata.name ?? name),
        ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        pods,
        allocatable,
        capacity,
        capacityEstimated,
        createdAt: timeOf(node.metadata?.creationTimestamp) ?? timeOf(claim?.metadata.creationTimestamp) ?? opts.now,
        capacityType: labels[CapacityTypeLabel] ?? "",
        zone: labels[ZoneLabel] ?? "",
      });
    }

    // NodeClaims without a Node yet: capacity on its way, with the pods planned onto it.
    for (const claim of sources.nodeClaims) {
      const name = claim.metadata.name ?? "";
      if (joined.has(claim) || nodeNames.has(name) || this.byName.has(name)) continue;
      const labels: Record<string, string> = { ...singleValuedLabels(claim.spec.requirements as RequirementSpec[]), ...(claim.metadata.labels ?? {}), [HostnameLabel]: name };
      const pool = labels[NodePoolLabel];
      const types = this.typesOf(pool);
      const taints = v1Taints(claim.spec.taints);
      const pods: V1Pod[] = [];
      for (const key of opts.nominations?.get(name) ?? []) {
        const p = index.pod(key);
        if (!p || !isActive(p)) continue;
        pods.push(p);
        this.nominated.add(key);
      }
      let capacity = quantities(claim.status?.capacity);
      const capacityEstimated = Object.keys(capacity).length === 0;
      if (capacityEstimated) capacity = claimCapacityEstimate(claim, types);
      const startup = v1Taints(claim.spec.startupTaints);
      this.add({
        name,
        claim,
        ...(pool !== undefined ? { nodePoolName: pool } : {}),
        labels,
        taints,
        ...(startup.length > 0 ? { startupTaints: startup } : {}),
        managed: true,
        initialized: false,
        inFlight: true,
        markedForDeletion: isDeleting(claim) || inProgress.has(name),
        ready: false,
        pods,
        allocatable: subtractFloor(claimAllocatable(claim, types), daemons.missing(taints, Requirements.fromSpecs(claim.spec.requirements as RequirementSpec[]), [])),
        capacity,
        capacityEstimated,
        createdAt: timeOf(claim.metadata.creationTimestamp) ?? opts.now,
        capacityType: labels[CapacityTypeLabel] ?? "",
        zone: labels[ZoneLabel] ?? "",
      });
    }
    for (const s of this.stateNodes) if (s.markedForDeletion && s.node) for (const p of s.pods) if (isReschedulable(p)) this.deletingPods.push(p);
  }

  /**
   * The same cluster with more NodeClaims read as being disrupted (a pass's expiring claims):
   * no join is redone, only their nodes are marked and their pods counted as needing a place.
   */
  withInProgress(extra: ReadonlySet<string>): ClusterModel {
    if (extra.size === 0) return this;
    const m = new ClusterModel(this.sources, { ...this.opts, inProgress: new Set([...(this.opts.inProgress ?? []), ...extra]) });
    for (const s of this.stateNodes) {
      const marked = s.markedForDeletion || extra.has(s.claim?.metadata.name ?? s.name);
      const copy = marked === s.markedForDeletion ? s : { ...s, markedForDeletion: true };
      m.stateNodes.push(copy);
      m.byName.set(copy.name, copy);
    }
    m.pendingPods.push(...this.pendingPods);
    for (const k of this.nominated) m.nominated.add(k);
    for (const s of m.stateNodes) if (s.markedForDeletion && s.node) for (const p of s.pods) if (isReschedulable(p)) m.deletingPods.push(p);
    return m;
  }

  private add(s: StateNode): void {
    const typeName = s.labels[InstanceTypeLabel];
    const it = typeName !== undefined ? this.typesOf(s.nodePoolName)?.find((t) => t.name === typeName) : undefined;
    if (it) {
      s.instanceType = it;
      const price = offeringPrice(it, s.labels);
      if (price !== undefined) s.price = price;
    }
    this.stateNodes.push(s);
    this.byName.set(s.name, s);
  }

  /**
   * What each NodePool has provisioned: each node or claim labelled with the pool counts one node and
   * its capacity (an unlaunched claim counts the largest type it may become when `estimates`, as
   * the provisioner checks limits; nothing, as Karpenter's status.resources does, otherwise).
   */
  nodePoolUsage(opts: { estimates: boolean } = { estimates: true }): Map<string, ResourceList> {
    const out = new Map<string, ResourceList>();
    for (const s of this.stateNodes) {
      const pool = s.labels[NodePoolLabel];
      if (pool === undefined) continue;
      let u = out.get(pool);
      if (!u) out.set(pool, (u = { nodes: 0 }));
      u["nodes"]! += 1;
      if (!s.capacityEstimated || opts.estimates) addInto(u, s.capacity);
    }
    return out;
  }
}

/** The indexes of a snapshot's pod list, made once per model. */
function indexOf(pods: readonly V1Pod[]): ModelIndex {
  const byNode = new Map<string, V1Pod[]>();
  const pending: V1Pod[] = [];
  let byKey: Map<string, V1Pod> | undefined;
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (n) {
      let list = byNode.get(n);
      if (!list) byNode.set(n, (list = []));
      list.push(p);
    } else if (isProvisionable(p)) pending.push(p);
  }
  return {
    podsOnNode: (name) => byNode.get(name) ?? [],
    pendingPods: () => pending,
    pod: (key) => (byKey ??= new Map(pods.map((p) => [podKey(p), p]))).get(key),
  };
}

/** The daemonsets' pods and what each needs, to tell what is still missing on a node. */
class DaemonOverhead {
  private readonly pods: { uid: string | undefined; pod: DaemonPod }[];

  constructor(daemonSets: readonly V1DaemonSet[]) {
    // A daemonset whose template cannot be read adds nothing here; the solver names it (RejectedInput).
    const readable = daemonPods(daemonSets, () => undefined);
    const uidOf = new Map(daemonSets.map((ds) => [`${ds.metadata?.namespace ?? "default"}/${ds.metadata?.name ?? ""}`, ds.metadata?.uid]));
    this.pods = readable.map((pod) => ({ uid: uidOf.get(pod.name), pod }));
  }

  /** Requests of the daemonsets that will run on a node but have no pod there yet. */
  missing(taints: readonly V1Taint[], reqs: Requirements, bound: readonly V1Pod[]): ResourceList {
    const present = new Set(bound.flatMap((p) => (p.metadata?.ownerReferences ?? []).filter((o) => o.kind === "DaemonSet").map((o) => o.uid)));
    const out: ResourceList = {};
    for (const d of this.pods) {
      if (d.uid && present.has(d.uid)) continue;
      if (daemonRunsOn(d.pod, taints, reqs)) addInto(out, d.pod.requests);
    }
    return out;
  }
}
