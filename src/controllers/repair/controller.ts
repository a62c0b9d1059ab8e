// node.health (the NodeRepair feature gate): a node whose condition matches a repair policy for
// longer than the policy tolerates is replaced forcefully — its NodeClaim gets a termination
// timestamp of now (so the drain neither waits for PDBs nor for volumes) and is deleted, outside
// any disruption budget — as Karpenter's node health controller does. No repair while more than
// 20 % of the node's NodePool (or, for a claim without one, of the cluster) is unhealthy: a
// NodeRepairBlocked Event says so instead, and the node is looked at again in five minutes.
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { CapacityTypeLabel, NodePoolLabel, TerminationTimestampAnnotation } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { Event } from "../../operator/events.js";
import { isNotFound } from "../../operator/kube.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../operator/metrics.js";
import type { ClusterState } from "../../state/cluster.js";
import { timeOf } from "../../state/predicates.js";
import { formatRFC3339 } from "../nodeclaim/lifecycle/termination.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { deleteNodeClaim, patchNodeClaim } from "../shared/kube.js";
import { isManagedClaim, nodeClaimRef, nodeRef } from "../shared/objects.js";
import { type RepairMetrics, repairMetrics } from "./metrics.js";
import { type RepairPolicy, allowedUnhealthyFraction, conditionLabel, repairsAllowed, unhealthyCondition } from "./policies.js";

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
    });
    for (const n of state.nodes.list()) this.controller.enqueue(n.metadata?.name ?? "");
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
    if (!claim || !isManagedClaim(claim, this.deps.cloudProvider) || claim.metadata.deletionTimestamp) return undefined;
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
    await this.repair(node, claim, unhealthy.conditionType, now);
    return undefined;
  }

  private async repair(node: V1Node, claim: NodeClaim, conditionType: string, now: number): Promise<void> {
    const claimName = claim.metadata.name ?? "";
    const log = this.log.child({ Node: { name: node.metadata?.name }, NodeClaim: { name: claimName }, condition: conditionType });
    // Forceful: a deadline already reached makes termination delete pods instead of evicting them.
    const existing = timeOf(claim.metadata.annotations?.[TerminationTimestampAnnotation]);
    if (existing === undefined || existing > now) {
      const stamp = formatRFC3339(now);
      if (!(await this.patchTimestamp(claimName, stamp))) return;
      log.info({ [TerminationTimestampAnnotation]: stamp }, "annotated nodeclaim");
    }
    if (!(await deleteNodeClaim(this.deps.kube, claim))) return;
    log.info("deleting unhealthy node");
    const nodepool = node.metadata?.labels?.[NodePoolLabel] ?? "";
    const capacityType = node.metadata?.labels?.[CapacityTypeLabel] ?? "";
    this.metrics.nodeClaimsDisrupted.inc({ reason: "unhealthy", nodepool, capacity_type: capacityType });
    this.rm.unhealthyDisrupted.inc({ condition: conditionLabel(conditionType), nodepool, capacity_type: capacityType, image_id: claim.status?.imageID ?? "" });
  }

  /** False when the claim is gone. */
  private async patchTimestamp(name: string, stamp: string): Promise<boolean> {
    try {
      await patchNodeClaim(this.deps.kube, name, { annotations: { [TerminationTimestampAnnotation]: stamp } });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
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
