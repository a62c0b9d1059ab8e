// The cluster as one disruption pass sees it: every Node joined with its NodeClaim (by provider
// ID), NodeClaims still without a Node, the pods bound to each, the pods waiting for a node, and
// the PodDisruptionBudgets. Built once per pass from plain lists.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { CapacityTypeLabel, ConditionInitialized, DisruptedTaintKey, HostnameLabel, InstanceTypeLabel, NodeInitializedLabel, NodePoolLabel, ZoneLabel } from "../apis/labels.js";
import type { NodeClaim } from "../apis/nodeclaim.js";
import type { NodePool } from "../apis/nodepool.js";
import type { InstanceType, RequirementSpec } from "../cloudprovider/types.js";
import { parseResourceList } from "../core/quantity.js";
import { PdbLimits } from "./pdb.js";
import { isProvisionable, isReschedulable, isTerminal } from "./pods.js";
import { nodePoolAllowed } from "./sleep.js";
import type { DisruptionInput, DisruptionOptions, StateNode } from "./types.js";

/** Milliseconds since the epoch of a Kubernetes timestamp in either form, or undefined. */
export function timeOf(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

export const isDeleting = (o: { metadata?: { deletionTimestamp?: Date | string | null } }): boolean => timeOf(o.metadata?.deletionTimestamp) !== undefined;

export function conditionOf(claim: NodeClaim | undefined, type: string): { status: string; reason?: string; lastTransitionTime?: string } | undefined {
  return claim?.status?.conditions?.find((c) => c.type === type);
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

/** Labels a NodeClaim's node will certainly carry: its own labels and every single-valued In requirement. */
function claimLabels(claim: NodeClaim): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of claim.spec.requirements as RequirementSpec[]) if (r.operator === "In" && r.values?.length === 1) out[r.key] = r.values[0]!;
  return { ...out, ...(claim.metadata.labels ?? {}), [HostnameLabel]: claim.metadata.name ?? "" };
}

const hasDisruptedTaint = (node: V1Node): boolean => (node.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey && t.effect === "NoSchedule");

export class ClusterView {
  readonly pools = new Map<string, NodePool>();
  readonly stateNodes: StateNode[] = [];
  readonly byName = new Map<string, StateNode>();
  /** Pods kube-scheduler could not place, waiting for the provisioner. */
  readonly pendingPods: V1Pod[] = [];
  /** Pods of nodes on their way out, which will need a place too. */
  readonly deletingPods: V1Pod[] = [];
  readonly pdbs: PdbLimits;
  private readonly typesByPool = new Map<string, Map<string, InstanceType>>();

  constructor(
    readonly input: DisruptionInput,
    readonly opts: DisruptionOptions,
  ) {
    for (const np of input.nodePools) this.pools.set(np.metadata.name ?? "", np);
    for (const [pool, types] of input.instanceTypes) this.typesByPool.set(pool, new Map(types.map((t) => [t.name, t])));
    this.pdbs = new PdbLimits(input.pdbs ?? []);

    const podsByNode = new Map<string, V1Pod[]>();
    for (const p of input.pods) {
      const n = p.spec?.nodeName;
      if (n) {
        if (isTerminal(p)) continue;
        let list = podsByNode.get(n);
        if (!list) podsByNode.set(n, (list = []));
        list.push(p);
      } else if (isProvisionable(p)) this.pendingPods.push(p);
    }

    const claimByProviderID = new Map<string, NodeClaim>();
    const claimByNodeName = new Map<string, NodeClaim>();
    for (const c of input.nodeClaims) {
      if (c.status?.providerID) claimByProviderID.set(c.status.providerID, c);
      if (c.status?.nodeName) claimByNodeName.set(c.status.nodeName, c);
    }
    const joined = new Set<NodeClaim>();
    const inProgress = input.inProgress ?? new Set<string>();
    for (const node of input.nodes) {
      const name = node.metadata?.name ?? "";
      const providerID = node.spec?.providerID;
      const claim = (providerID ? claimByProviderID.get(providerID) : undefined) ?? claimByNodeName.get(name);
      if (claim) joined.add(claim);
      const labels: Record<string, string> = { [HostnameLabel]: name, ...(node.metadata?.labels ?? {}) };
      const pool = labels[NodePoolLabel];
      const managed = claim !== undefined || (opts.nodesWithoutClaims === true && pool !== undefined);
      const marked =
        isDeleting(node) || (claim !== undefined && isDeleting(claim)) || hasDisruptedTaint(node) || inProgress.has(claim?.metadata.name ?? name);
      this.add({
        name,
        node,
        ...(claim ? { claim } : {}),
        ...(managed && pool !== undefined ? { nodePoolName: pool } : {}),
        labels,
        managed,
        initialized: !managed || labels[NodeInitializedLabel] === "true",
        markedForDeletion: marked,
        ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        pods: podsByNode.get(name) ?? [],
        createdAt: timeOf(node.metadata?.creationTimestamp) ?? timeOf(claim?.metadata.creationTimestamp) ?? opts.now,
        capacityType: labels[CapacityTypeLabel] ?? "",
        zone: labels[ZoneLabel] ?? "",
      });
    }
    // NodeClaims without a Node yet: capacity on its way.
    for (const claim of input.nodeClaims) {
      if (joined.has(claim)) continue;
      const name = claim.metadata.name ?? "";
      if (this.byName.has(name)) continue;
      const labels = claimLabels(claim);
      const pool = labels[NodePoolLabel];
      this.add({
        name,
        claim,
        ...(pool !== undefined ? { nodePoolName: pool } : {}),
        labels,
        managed: true,
        initialized: false,
        markedForDeletion: isDeleting(claim) || inProgress.has(name),
        ready: false,
        pods: [],
        createdAt: timeOf(claim.metadata.creationTimestamp) ?? opts.now,
        capacityType: labels[CapacityTypeLabel] ?? "",
        zone: labels[ZoneLabel] ?? "",
      });
    }
    for (const s of this.stateNodes) if (s.markedForDeletion) for (const p of s.pods) if (isReschedulable(p)) this.deletingPods.push(p);
  }

  private add(s: StateNode): void {
    const pool = s.nodePoolName;
    const typeName = s.labels[InstanceTypeLabel];
    const it = pool !== undefined && typeName !== undefined ? this.typesByPool.get(pool)?.get(typeName) : undefined;
    if (it) {
      s.instanceType = it;
      const price = offeringPrice(it, s.labels);
      if (price !== undefined) s.price = price;
    }
    this.stateNodes.push(s);
    this.byName.set(s.name, s);
  }

  /** The NodeClaim name of a state node (its Node's name when it has no claim). */
  static claimName(s: StateNode): string {
    return s.claim?.metadata.name ?? s.name;
  }

  /** Whether a NodePool may launch replacements (exists, not deleting, not asleep, Ready unless not required). */
  launchable(np: NodePool): boolean {
    if (isDeleting(np)) return false;
    // Inside a sleep window the provisioner launches nothing from the pool; neither may disruption.
    if (nodePoolAllowed(np, this.opts.now) !== true) return false;
    if (this.opts.requireReadyNodePools === false) return true;
    return (np.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  }

  /** Whether the claim's Initialized condition is True (used when the node label lags). */
  static claimInitialized(claim: NodeClaim | undefined): boolean {
    return conditionOf(claim, ConditionInitialized)?.status === "True";
  }
}

/** A node's capacity (its Node's, else its NodeClaim's), as limits count it. */
export function capacityOf(s: StateNode): Record<string, number> {
  const raw = s.node?.status?.capacity ?? s.claim?.status?.capacity;
  try {
    return parseResourceList(raw as Record<string, string | number> | undefined);
  } catch {
    return {};
  }
}
