// nodeclaim.consistency (Karpenter's consistency controller): every launched NodeClaim is checked
// at most once per scan period against its Node; each issue found is a Warning event
// (FailedConsistencyCheck) on the claim, and the ConsistentStateFound condition says whether the
// last check was clean. A claim without a node (yet, or with several) is skipped until a Node or
// NodeClaim event brings it back after the period.
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { isConflict, isNotFound } from "../../../operator/kube.js";
import { controllerLogger, withObjects } from "../../../operator/logging.js";
import type { ClusterState } from "../../../state/cluster.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../runtime/controller.js";
import { setCondition } from "../../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../../shared/deps.js";
import { patchNodeClaimStatus } from "../../shared/kube.js";
import { isManagedClaim, nodeClaimRef, nodesForClaim } from "../../shared/objects.js";
import { consistencyCondition, nodeShapeIssues } from "./nodeshape.js";

export const NodeClaimConsistencyName = "nodeclaim.consistency";
/** How often a claim is checked again (Karpenter's scanPeriod). */
export const CONSISTENCY_SCAN_PERIOD_MS = 10 * 60_000;

export class NodeClaimConsistency implements Reconciler {
  readonly name = NodeClaimConsistencyName;
  private readonly log;
  /** When each claim (by UID) was last checked; a check within the period is not repeated. */
  private readonly lastScanned = new Map<string, number>();

  constructor(
    private readonly deps: ControllerDeps,
    private readonly scanPeriodMs = CONSISTENCY_SCAN_PERIOD_MS,
  ) {
    this.log = controllerLogger(deps.logger, this.name);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const claim = this.deps.state.nodeClaims.get(name);
    if (!claim || !isManagedClaim(claim, this.deps.cloudProvider) || !claim.status?.providerID) return undefined;
    const uid = claim.metadata.uid ?? name;
    const now = this.deps.clock.now();
    this.prune(now);
    const last = this.lastScanned.get(uid);
    if (last !== undefined && now - last < this.scanPeriodMs) return { requeueAfterMs: this.scanPeriodMs - (now - last) };
    this.lastScanned.set(uid, now);
    const nodes = nodesForClaim(this.deps.state.nodes.list(), claim);
    if (nodes.length !== 1) return undefined;
    const node = nodes[0]!;
    const issues = nodeShapeIssues(claim, node);
    const log = withObjects(this.log, { NodeClaim: name, Node: node.metadata?.name });
    for (const issue of issues) {
      log.info({ issue }, "failed consistency check");
      this.deps.recorder.publish({ involvedObject: nodeClaimRef(claim), type: "Warning", reason: "FailedConsistencyCheck", message: issue, dedupeValues: [uid, issue] });
    }
    const update = consistencyCondition(claim, issues);
    if (update) {
      const conditions = setCondition(claim.status.conditions, { ...update, observedGeneration: claim.metadata.generation }, now);
      if (conditions !== claim.status.conditions) await this.write(claim, conditions, uid);
    }
    return { requeueAfterMs: this.scanPeriodMs };
  }

  private async write(claim: NodeClaim, conditions: NonNullable<NodeClaim["status"]>["conditions"], uid: string): Promise<void> {
    try {
      await patchNodeClaimStatus(this.deps.kube, claim.metadata.name!, claim.metadata.resourceVersion, { ...claim.status, conditions });
    } catch (err) {
      if (isNotFound(err)) return;
      // Checked against a stale claim: check again at once rather than after a whole period.
      if (isConflict(err)) this.lastScanned.delete(uid);
      throw err;
    }
  }

  /** Entries older than the period are of no use (Karpenter's cache expires them the same way). */
  private prune(now: number): void {
    for (const [uid, at] of this.lastScanned) if (now - at >= this.scanPeriodMs) this.lastScanned.delete(uid);
  }
}

/** The controller: NodeClaim events by name, Node events mapped to their claim by provider ID. */
export function newNodeClaimConsistencyController(deps: ControllerDeps, opts: { scanPeriodMs?: number } = {}): ManagedController {
  const reconciler = new NodeClaimConsistency(deps, opts.scanPeriodMs);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name) });
  return {
    name: reconciler.name,
    controller,
    watch(state: ClusterState) {
      state.nodeClaims.on((_event, claim) => {
        if (claim.metadata.name) controller.enqueue(claim.metadata.name);
      });
      state.nodes.on((_event, node) => {
        const providerID = node.spec?.providerID;
        const name = providerID ? state.nodeClaimByProviderID(providerID)?.metadata.name : undefined;
        if (name) controller.enqueue(name);
      });
      for (const claim of state.nodeClaims.list()) if (claim.metadata.name) controller.enqueue(claim.metadata.name);
    },
    run: (signal) => controller.run(signal),
  };
}
