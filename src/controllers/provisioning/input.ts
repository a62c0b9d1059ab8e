// The solver's input from what the cluster state holds: the pods that need a place, the capacity
// that exists or is on its way (Nodes, and NodeClaims whose Node has not registered yet, with the
// pods already planned onto them), and what each NodePool has used of its limits. Pure: the
// provisioner hands in plain lists.
import type { V1DaemonSet, V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import { DisruptedTaintKey, HostnameLabel, InstanceTypeLabel, NodeInitializedLabel, NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { InstanceType, RequirementSpec, ResourceList } from "../../cloudprovider/types.js";
import { type DaemonPod, daemonPods, daemonRunsOn } from "../../scheduling/daemonsets.js";
import { allocatable, cheapestOffering } from "../../scheduling/instancetypes.js";
import { parseResourceList } from "../../core/quantity.js";
import { Requirements } from "../../core/requirements.js";
import { maxInto, subtractFloor } from "../../core/resources.js";
import type { ExistingNode, SchedulingInput } from "../../scheduling/types.js";
import { nodePoolUsage } from "../nodepool/usage.js";
import { singleValuedLabels } from "./nodeclaim.js";
import { isProvisionable, isReschedulable, isTerminal, isTerminating, podKey } from "./pending.js";

/** The cluster as the provisioner sees it for one solve. */
export interface ClusterView {
  pods: readonly V1Pod[];
  nodes: readonly V1Node[];
  /** Every NodeClaim: the cached ones and those just created that the cache does not show yet. */
  nodeClaims: readonly NodeClaim[];
  daemonSets: readonly V1DaemonSet[];
  podsOnNode(nodeName: string): V1Pod[];
}

export interface BuildOptions {
  /** The NodePools new claims may come from (Ready, not deleting, allowed now). */
  nodePools: NodePool[];
  /** Instance types by NodePool name (also used to size in-flight claims of those pools). */
  instanceTypes: Map<string, InstanceType[]>;
  /** Pods planned onto in-flight NodeClaims: claim name → pod keys (namespace/name). */
  nominations: ReadonlyMap<string, ReadonlySet<string>>;
  volumes?: SchedulingInput["volumes"];
  namespaces?: SchedulingInput["namespaces"];
}

export interface BuiltInput {
  input: SchedulingInput;
  /** In-flight NodeClaims (no Node yet), by claim name, which is also their existing-node name. */
  claimsWithoutNode: Map<string, NodeClaim>;
  /** Names of existing nodes that are in flight (claims without a Node, uninitialized Nodes). */
  inFlight: Set<string>;
  /** NodeClaim name of each existing Node that has one. */
  claimOfNode: Map<string, string>;
}

const isDeleting = (o: { metadata?: { deletionTimestamp?: unknown } }): boolean => o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

function quantities(list: Record<string, unknown> | undefined): ResourceList {
  try {
    return parseResourceList(list as Record<string, string | number> | undefined);
  } catch {
    return {};
  }
}

/** The instance types a claim may still become: its pool's types named by its instance-type requirement. */
export function candidateTypes(claim: NodeClaim, types: readonly InstanceType[] | undefined): InstanceType[] {
  if (!types) return [];
  const reqs = Requirements.fromSpecs(claim.spec.requirements as RequirementSpec[]);
  const it = reqs.get(InstanceTypeLabel);
  return types.filter((t) => !it || it.has(t.name));
}

/**
 * What pods can use on an in-flight claim: its reported allocatable once launched, else that of
 * the cheapest type it may become (what a launch picks), else at least what it requested.
 */
export function claimAllocatable(claim: NodeClaim, types: readonly InstanceType[] | undefined): ResourceList {
  const reported = quantities(claim.status?.allocatable);
  if (Object.keys(reported).length > 0) return reported;
  const reqs = Requirements.fromSpecs(claim.spec.requirements as RequirementSpec[]);
  let best: { it: InstanceType; price: number } | undefined;
  for (const it of candidateTypes(claim, types)) {
    const o = cheapestOffering(it.offerings, reqs);
    if (o && (!best || o.price < best.price)) best = { it, price: o.price };
  }
  if (best) return allocatable(best.it);
  return quantities(claim.spec.resources?.requests);
}

/** The capacity counted against limits for a claim not launched yet: the largest type it may become. */
export function claimCapacityEstimate(claim: NodeClaim, types: readonly InstanceType[] | undefined): ResourceList {
  const out: ResourceList = {};
  for (const it of candidateTypes(claim, types)) maxInto(out, it.capacity);
  return Object.keys(out).length > 0 ? out : quantities(claim.spec.resources?.requests);
}

/** Requests of the daemonsets that will run on a node but have no pod there yet. */
function missingDaemonRequests(daemons: readonly DaemonPod[], daemonSets: readonly V1DaemonSet[], taints: readonly V1Taint[], reqs: Requirements, bound: readonly V1Pod[]): ResourceList {
  const present = new Set(bound.flatMap((p) => (p.metadata?.ownerReferences ?? []).filter((o) => o.kind === "DaemonSet").map((o) => o.uid)));
  const out: ResourceList = {};
  daemons.forEach((d, i) => {
    const uid = daemonSets[i]?.metadata?.uid;
    if (uid && present.has(uid)) return;
    if (!daemonRunsOn(d, taints, reqs)) return;
    for (const [k, v] of Object.entries(d.requests)) out[k] = (out[k] ?? 0) + v;
  });
  return out;
}

/** API taints (timestamps as strings) as the client's taint type. */
function v1Taints(list: readonly { key: string; value?: string; effect: string }[] | undefined): V1Taint[] {
  return (list ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
}

/** A node's taints as the scheduler sees them: a cordoned node is tainted unschedulable. */
function nodeTaints(node: V1Node): V1Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  if (node.spec?.unschedulable && !taints.some((t) => t.key === "node.kubernetes.io/unschedulable")) {
    taints.push({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" });
  }
  return taints;
}

/** Whether a Node (or its NodeClaim) is on its way out: nothing new may go there. */
export function nodeMarkedForDeletion(node: V1Node, claim: NodeClaim | undefined): boolean {
  return isDeleting(node) || (claim !== undefined && isDeleting(claim)) || (node.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey && t.effect === "NoSchedule");
}

export function buildSchedulingInput(view: ClusterView, opts: BuildOptions): BuiltInput {
  const daemons = daemonPods(view.daemonSets);
  const nodesByProviderID = new Map<string, V1Node>();
  const nodesByName = new Map<string, V1Node>();
  for (const n of view.nodes) {
    if (n.spec?.providerID) nodesByProviderID.set(n.spec.providerID, n);
    nodesByName.set(n.metadata?.name ?? "", n);
  }
  const claimOfProviderID = new Map<string, NodeClaim>();
  const claimByName = new Map<string, NodeClaim>();
  for (const c of view.nodeClaims) {
    if (c.status?.providerID) claimOfProviderID.set(c.status.providerID, c);
    claimByName.set(c.metadata.name ?? "", c);
  }
  const nodeOfClaim = (c: NodeClaim): V1Node | undefined =>
    (c.status?.providerID ? nodesByProviderID.get(c.status.providerID) : undefined) ?? (c.status?.nodeName ? nodesByName.get(c.status.nodeName) : undefined);

  const existingNodes: ExistingNode[] = [];
  const inFlight = new Set<string>();
  const claimOfNode = new Map<string, string>();
  const deletingNodes: V1Node[] = [];

  for (const node of view.nodes) {
    const name = node.metadata?.name ?? "";
    const labels = node.metadata?.labels ?? {};
    const claim = (node.spec?.providerID ? claimOfProviderID.get(node.spec.providerID) : undefined) ?? claimByName.get(name);
    if (claim) claimOfNode.set(name, claim.metadata.name ?? "");
    const markedForDeletion = nodeMarkedForDeletion(node, claim);
    if (markedForDeletion) deletingNodes.push(node);
    const pods = view.podsOnNode(name).filter((p) => !isTerminal(p));
    const taints = nodeTaints(node);
    const pool = labels[NodePoolLabel];
    // A node tenon launched is in flight until initialized: its daemonsets may not be there yet.
    const nodeInFlight = pool !== undefined && labels[NodeInitializedLabel] !== "true";
    let alloc = quantities(node.status?.allocatable);
    if (Object.keys(alloc).length === 0 && claim) alloc = claimAllocatable(claim, opts.instanceTypes.get(pool ?? ""));
    if (nodeInFlight) {
      inFlight.add(name);
      alloc = subtractFloor(alloc, missingDaemonRequests(daemons, view.daemonSets, taints, Requirements.fromLabels(labels), pods));
    }
    existingNodes.push({
      name,
      ...(pool !== undefined ? { nodePool: pool } : {}),
      labels,
      taints,
      allocatable: alloc,
      pods,
      inFlight: nodeInFlight,
      ...(markedForDeletion ? { markedForDeletion } : {}),
      ...(nodeInFlight && claim?.spec.startupTaints ? { startupTaints: v1Taints(claim.spec.startupTaints) } : {}),
    });
  }

  // Pods planned onto claims still without a Node travel with those claims.
  const podsByKey = new Map(view.pods.map((p) => [podKey(p), p]));
  const nominated = new Set<string>();
  const claimsWithoutNode = new Map<string, NodeClaim>();
  for (const claim of view.nodeClaims) {
    // A Node of the claim's name is its Node even before the cache links them by provider ID
    // (and existing-node names must be unique).
    if (nodeOfClaim(claim) || nodesByName.has(claim.metadata.name ?? "")) continue;
    const name = claim.metadata.name ?? "";
    const pool = claim.metadata.labels?.[NodePoolLabel];
    const types = opts.instanceTypes.get(pool ?? "");
    const reqs = Requirements.fromSpecs(claim.spec.requirements as RequirementSpec[]);
    const taints = v1Taints(claim.spec.taints);
    const pods: V1Pod[] = [];
    for (const key of opts.nominations.get(name) ?? []) {
      const p = podsByKey.get(key);
      if (!p || isTerminal(p) || isTerminating(p)) continue;
      pods.push(p);
      nominated.add(key);
    }
    const labels: Record<string, string> = { ...singleValuedLabels(claim.spec.requirements as RequirementSpec[]), ...(claim.metadata.labels ?? {}), [HostnameLabel]: name };
    const alloc = subtractFloor(claimAllocatable(claim, types), missingDaemonRequests(daemons, view.daemonSets, taints, reqs, []));
    claimsWithoutNode.set(name, claim);
    inFlight.add(name);
    existingNodes.push({
      name,
      ...(pool !== undefined ? { nodePool: pool } : {}),
      labels,
      taints,
      allocatable: alloc,
      pods,
      inFlight: true,
      ...(isDeleting(claim) ? { markedForDeletion: true } : {}),
      ...(claim.spec.startupTaints ? { startupTaints: v1Taints(claim.spec.startupTaints) } : {}),
    });
  }

  const pods: V1Pod[] = [];
  const seen = new Set<string>();
  const take = (p: V1Pod) => {
    const key = podKey(p);
    if (nominated.has(key) || seen.has(key)) return;
    seen.add(key);
    pods.push(p);
  };
  for (const p of view.pods) if (isProvisionable(p)) take(p);
  // Pods of nodes being deleted need a place too; planning it now shortens their time pending.
  for (const n of deletingNodes) for (const p of view.podsOnNode(n.metadata?.name ?? "")) if (isReschedulable(p)) take(p);

  const typesOfClaim = (c: NodeClaim) => opts.instanceTypes.get(c.metadata.labels?.[NodePoolLabel] ?? "");
  const usage = nodePoolUsage(view.nodeClaims, view.nodes, { estimate: (c) => claimCapacityEstimate(c, typesOfClaim(c)) });

  return {
    input: {
      pods,
      nodePools: opts.nodePools,
      instanceTypes: opts.instanceTypes,
      existingNodes,
      daemonSets: [...view.daemonSets],
      ...(opts.volumes ? { volumes: opts.volumes } : {}),
      ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
      nodePoolUsage: usage,
    },
    claimsWithoutNode,
    inFlight,
    claimOfNode,
  };
}
