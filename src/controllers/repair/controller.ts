// node.health (the NodeRepair feature gate): a node whose condition matches a repair policy for
// longer than the policy tolerates is replaced forcefully — its NodeClaim gets a termination
// timestamp of now (so the drain neither waits for PDBs nor for volumes) and is deleted, outside
// any disruption budget — as Karpenter's node health controller does. No repair while more than
// 20 % of the node's NodePool (or, for a claim without one, of the cluster) is unhealthy: a
// NodeRepairBlocked Event says so instead, and the node is looked at again in five minutes.
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { CapacityTypeLabel, NodePoolLabel, TerminationTimestampAnnotation } from "../../apis/labels.js";
import { type NodeClaim, NodeClaimSchema } from "../../apis/nodeclaim.js";
import type { Event } from "../../operator/events.js";
import { isConflict, isNotFound } from "../../operator/kube.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../operator/metrics.js";
import type { ClusterState } from "../../state/cluster.js";
import { timeOf } from "../../state/predicates.js";
import { formatRFC3339 } from "../nodeclaim/lifecycle/termination.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { NodeClaims, getRaw, patchNodeClaim } from "../shared/kube.js";
import { isManagedClaim, nodeClaimRef, nodeRef } from "../shared/objects.js";
import { type RepairMetrics, repairMetrics } from "./metrics.js";
import { type RepairPolicy, allowedUnhealthyFraction, conditionLabel, isUnhealthy, repairsAllowed, unhealthyCondition } from "./policies.js";

export const RepairControllerName = "node.health";
const blockedRecheckMs = 5 * 60_000;

export interface RepairDeps extends ControllerDeps {
  policies: readonly RepairPolicy[];
  repairMetrics?: RepairMetrics;
}

export class RepairController implements Reconciler, ManagedController {
  readonly name = RepairControllerName;
  readonly controller: Controller;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly rm: RepairMetrics;

  constructor(private readonly deps: RepairDeps) {
    this.log = controllerLogger(deps.logger, this.name);
    this.controller = new Controller(this, { clock: deps.clock, logger: this.log, concurrency: 2 });
    this.metrics = deps.metrics ?? defaultMetrics;
    this.rm = deps.repairMetrics ?? repairMetrics();
  }

  watch(state: ClusterState): void {
    state.nodes.on((event, node) => {
      if (event !== "delete") this.controller.enqueue(node.metadata?.name ?? "");
      // A node back to health (or gone) may bring its pool under the 20 % limit: the pool's blocked
      // nodes are looked at again now rather than at their five-minute recheck.
      if (event === "delete" || !isUnhealthy(node, this.deps.policies)) this.enqueueUnhealthyPeers(state, node);
    });
    for (const n of state.nodes.list()) this.controller.enqueue(n.metadata?.name ?? "");
  }

  private enqueueUnhealthyPeers(state: ClusterState, node: V1Node): void {
    const pool = node.metadata?.labels?.[NodePoolLabel];
    for (const n of state.nodes.list()) {
      if (n === node || (pool !== undefined && n.metadata?.labels?.[NodePoolLabel] !== pool)) continue;
      if (isUnhealthy(n, this.deps.policies)) this.controller.enqueue(n.metadata?.name ?? "");
    }
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const { state, clock, policies } = this.deps;
    const node = state.nodes.get(name);
    const providerID = node?.spec?.providerID;
    if (!node || !providerID) return undefined;
    const claim = state.nodeClaimByProviderID(providerID);
    // A claim already being deleted is still repaired: it gets the forceful deadline (a drain held
    // by a PDB on a dead node would otherwise wait out its terminationGracePeriod), as in Karpenter.
    if (!claim || !isManagedClaim(claim, this.deps.cloudProvider)) return undefined;
    const unhealthy = unhealthyCondition(node, policies);
    if (!unhealthy) return undefined;
    const now = clock.now();
    if (now < unhealthy.repairAt) return { requeueAfterMs: unhealthy.repairAt - now };

    const pool = claim.metadata.labels?.[NodePoolLabel];
    const peers = state.nodes.list().filter((n) => (pool ? n.metadata?.labels?.[NodePoolLabel] === pool : true));
    if (!repairsAllowed(peers, policies)) {
      const where = pool ? "nodepool" : "cluster";
      this.deps.recorder.publish(...this.blockedEvents(node, claim, pool, `more than ${allowedUnhealthyFraction * 100}% nodes are unhealthy in the ${where}`));
      return { requeueAfterMs: blockedRecheckMs };
    }
    return this.repair(node, claim, unhealthy.conditionType, now);
  }

  // The cache may not have seen a deletion this controller made a moment ago (a node update can
  // re-queue the node first): the claim is read from the API server, and deleted only as that
  // version, so each repair is counted once.
  private async repair(node: V1Node, cached: NodeClaim, conditionType: string, now: number): Promise<ReconcileResult | undefined> {
    const claimName = cached.metadata.name ?? "";
    const log = this.log.child({ Node: { name: node.metadata?.name }, NodeClaim: { name: claimName }, condition: conditionType });
    let claim = await this.readClaim(claimName);
    if (!claim || (cached.metadata.uid && claim.metadata.uid !== cached.metadata.uid)) return undefined;
    // Forceful: a deadline already reached makes termination delete pods instead of evicting them.
    const existing = timeOf(claim.metadata.annotations?.[TerminationTimestampAnnotation]);
    if (existing === undefined || existing > now) {
      const stamp = formatRFC3339(now);
      claim = await this.patchTimestamp(claimName, stamp);
      if (!claim) return undefined;
      log.info({ [TerminationTimestampAnnotation]: stamp }, "annotated nodeclaim");
    }
    if (claim.metadata.deletionTimestamp) return undefined;
    const deleted = await this.deleteVersion(claim);
    // Changed since it was read: look again with what it is now.
    if (deleted === "changed") return { requeueAfterMs: 0 };
    if (deleted === "gone") return undefined;
    log.info("deleting unhealthy node");
    const nodepool = node.metadata?.labels?.[NodePoolLabel] ?? "";
    const capacityType = node.metadata?.labels?.[CapacityTypeLabel] ?? "";
    this.metrics.nodeClaimsDisrupted.inc({ reason: "unhealthy", nodepool, capacity_type: capacityType });
    this.rm.unhealthyDisrupted.inc({ condition: conditionLabel(conditionType), nodepool, capacity_type: capacityType, image_id: claim.status?.imageID ?? "" });
    return undefined;
  }

  private async readClaim(name: string): Promise<NodeClaim | undefined> {
    const raw = await getRaw(this.deps.kube, NodeClaims, name);
    return raw ? NodeClaimSchema.parse(raw) : undefined;
  }

  /** Deletes exactly this version of the claim (its UID and resourceVersion). */
  private async deleteVersion(claim: NodeClaim): Promise<"deleted" | "changed" | "gone"> {
    const { uid, resourceVersion } = claim.metadata;
    try {
      await this.deps.kube.customObjects.deleteClusterCustomObject({ ...NodeClaims, name: claim.metadata.name ?? "", body: { preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) } } });
      return "deleted";
    } catch (err) {
      if (isNotFound(err)) return "gone";
      if (isConflict(err)) return "changed";
      throw err;
    }
  }

  /** The claim as patched, or undefined when it is gone. */
  private async patchTimestamp(name: string, stamp: string): Promise<NodeClaim | undefined> {
    try {
      return await patchNodeClaim(this.deps.kube, name, { annotations: { [TerminationTimestampAnnotation]: stamp } });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private blockedEvents(node: V1Node, claim: NodeClaim, pool: string | undefined, message: string): Event[] {
    const base = { type: "Warning" as const, reason: "NodeRepairBlocked", message, dedupeTimeoutMs: 15 * 60_000 };
    const out: Event[] = [
      { ...base, involvedObject: nodeRef(node), dedupeValues: [node.metadata?.uid ?? node.metadata?.name ?? ""] },
      { ...base, involvedObject: nodeClaimRef(claim), dedupeValues: [claim.metadata.uid ?? claim.metadata.name ?? ""] },
    ];
    const np = pool ? this.deps.state.nodePools.get(pool) : undefined;
    if (np) out.push({ ...base, involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodePool", name: pool!, ...(np.metadata.uid ? { uid: np.metadata.uid } : {}) }, dedupeValues: [np.metadata.uid ?? pool!] });
    return out;
  }
}

export function newRepairController(deps: RepairDeps): ManagedController {
  return new RepairController(deps);
}
