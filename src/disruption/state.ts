// The cluster as one disruption pass sees it: the one cluster model (src/state/model.ts) — every
// Node joined with its NodeClaim, NodeClaims still without a Node, the pods bound to each, the pods
// waiting for a node — plus the NodePools by name and the PodDisruptionBudgets. Built once per pass.
import type { V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../apis/nodeclaim.js";
import type { NodePool } from "../apis/nodepool.js";
import { ConditionInitialized } from "../apis/labels.js";
import { ClusterModel, type StateNode } from "../state/model.js";
import { isDeleting } from "../state/predicates.js";
import { PdbLimits } from "./pdb.js";
import { nodePoolAllowed } from "./sleep.js";
import type { DisruptionInput, DisruptionOptions } from "./types.js";

export { timeOf, isDeleting } from "../state/predicates.js";
export { offeringPrice } from "../state/model.js";

export function conditionOf(claim: NodeClaim | undefined, type: string): { status: string; reason?: string; lastTransitionTime?: string } | undefined {
  return claim?.status?.conditions?.find((c) => c.type === type);
}

const models = new WeakMap<DisruptionInput, Map<string, ClusterModel>>();

/** The cluster model of an input (inputs are not modified once built: the same object, the same model). */
function modelOf(input: DisruptionInput, opts: DisruptionOptions): ClusterModel {
  const key = `${opts.now}|${opts.nodesWithoutClaims === true}`;
  let byKey = models.get(input);
  if (!byKey) models.set(input, (byKey = new Map()));
  let m = byKey.get(key);
  if (!m) {
    m = ClusterModel.build(
      { nodes: input.nodes, nodeClaims: input.nodeClaims, pods: input.pods, daemonSets: input.daemonSets ?? [], nodePools: input.nodePools, ...(input.index ? { index: input.index } : {}) },
      { now: opts.now, instanceTypes: input.instanceTypes, ...(input.inProgress ? { inProgress: input.inProgress } : {}), ...(opts.nodesWithoutClaims ? { nodesWithoutClaims: true } : {}) },
    );
    byKey.set(key, m);
  }
  return m;
}

export class ClusterView {
  readonly pools = new Map<string, NodePool>();
  readonly model: ClusterModel;
  readonly pdbs: PdbLimits;

  /**
   * The view of `input`, with `extraInProgress` claims read as being disrupted. The cluster model
   * is built once per input (a controller pass plans twice and validates from the same input): the
   * join is not redone for each.
   */
  constructor(
    readonly input: DisruptionInput,
    readonly opts: DisruptionOptions,
    extraInProgress: ReadonlySet<string> = new Set(),
  ) {
    for (const np of input.nodePools) this.pools.set(np.metadata.name ?? "", np);
    this.pdbs = new PdbLimits(input.pdbs ?? [], opts.now);
    this.model = modelOf(input, opts).withInProgress(extraInProgress);
  }

  get stateNodes(): readonly StateNode[] {
    return this.model.stateNodes;
  }

  get byName(): ReadonlyMap<string, StateNode> {
    return this.model.byName;
  }

  /** Pods kube-scheduler could not place, waiting for the provisioner. */
  get pendingPods(): readonly V1Pod[] {
    return this.model.pendingPods;
  }

  /** Pods of nodes on their way out, which will need a place too. */
  get deletingPods(): readonly V1Pod[] {
    return this.model.deletingPods;
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
  return s.capacityEstimated ? {} : s.capacity;
}
