// Static NodePools (spec.replicas; Karpenter's StaticCapacity gate): keeps exactly `replicas`
// NodeClaims for each, whatever the pods ask for. It grows the pool from its template (the cloud
// provider picks the instance type, as Karpenter lets it for static claims) up to limits.nodes, and
// shrinks it by deleting the claims cheapest to lose, past disruption budgets (Karpenter: a scale
// operation bypasses them; termination still honours PodDisruptionBudgets). Drift and expiry go
// through the disruption controller as for any pool; the claims they delete are replaced here.
import type { V1Pod } from "@kubernetes/client-node";
import { CapacityTypeLabel, NodePoolLabel } from "../../apis/labels.js";
import { doNotDisruptActive } from "../../state/donotdisrupt.js";
import { type NodeClaim, NodeClaimSchema } from "../../apis/nodeclaim.js";
import { type NodePool, isStaticNodePool } from "../../apis/nodepool.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../operator/metrics.js";
import type { ClusterState } from "../../state/cluster.js";
import { isOwnedByDaemonSet, isDeleting } from "../../state/predicates.js";
import { isReady } from "../shared/conditions.js";
import { doNotDisruptEvents } from "../shared/karpenter-events.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { NodeClaims, deleteNodeClaim } from "../shared/kube.js";
import { buildNodeClaim } from "../provisioning/nodeclaim.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import { type StaticClaim, planStatic } from "./plan.js";

/** Level-based: look again this often even when no event says something changed. */
export const STATIC_RESYNC_MS = 60_000;
/** The reason label of karpenter_nodeclaims_created_total for static claims (Karpenter's). */
export const StaticProvisionedReason = "provisioned";

export class StaticNodePoolController implements Reconciler, ManagedController {
  readonly name = "static.nodepool";
  readonly controller: Controller;
  /** Reconciles done (tests wait on state, this is for the log). */
  passes = 0;
  private readonly log;
  private readonly metrics: Metrics;

  constructor(private readonly deps: ControllerDeps) {
    this.log = controllerLogger(deps.logger, this.name);
    this.metrics = deps.metrics ?? defaultMetrics;
    this.controller = new Controller(this, { clock: deps.clock, logger: this.log });
  }

  watch(state: ClusterState): void {
    const enqueuePool = (name: string | undefined) => {
      if (!name) return;
      const np = state.nodePools.get(name);
      if (np && isStaticNodePool(np)) this.controller.enqueue(name);
    };
    state.nodePools.on((event, np) => {
      if (event !== "delete" && isStaticNodePool(np)) this.controller.enqueue(np.metadata.name ?? "");
    });
    // A claim created, deleted, starting to delete or changing its DisruptionReason mark changes the count.
    state.nodeClaims.on((_event, claim) => enqueuePool(claim.metadata.labels?.[NodePoolLabel]));
    for (const np of state.nodePools.list()) if (isStaticNodePool(np)) this.controller.enqueue(np.metadata.name ?? "");
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const { state } = this.deps;
    if (!state.synced) return { requeueAfterMs: 1000 };
    const np = state.nodePools.get(name);
    if (!np || !isStaticNodePool(np) || isDeleting(np)) return undefined;
    this.passes++;
    // The count comes from the API server, not the cache: a claim created a moment ago must count,
    // or every event until the watch delivers it would create another.
    const claims = await this.listClaims(name);
    const now = this.deps.clock.now();
    const described = claims.map((c) => this.describe(c, now));
    const plan = planStatic(np, described.map((d) => d.claim));
    if (plan.limited) this.log.warn({ NodePool: { name } }, `nodepool node limit reached: ${plan.limited}`);
    if (plan.create > 0) {
      // Karpenter launches for a static pool only once it is Ready (its node class resolved).
      if (!isReady(np)) return { requeueAfterMs: 5000 };
      this.log.info({ NodePool: { name }, current: plan.active, desired: np.spec.replicas, "provision-count": plan.create }, "provisioning nodeclaims to satisfy replica count");
      for (let i = 0; i < plan.create; i++) await this.create(np);
    }
    if (plan.delete.length > 0) {
      // Choosing which to lose read each pod's do-not-disrupt: say what was read, as Karpenter does.
      for (const d of described) for (const p of d.pods) this.deps.recorder.publish(...doNotDisruptEvents(p, now));
      this.log.info({ NodePool: { name }, current: plan.active, desired: np.spec.replicas, "deprovision-count": plan.delete.length }, "deprovisioning nodeclaims to satisfy replica count");
      for (const c of plan.delete) await deleteNodeClaim(this.deps.kube, c);
    }
    return { requeueAfterMs: plan.limited ? 30_000 : STATIC_RESYNC_MS };
  }

  private async listClaims(pool: string): Promise<NodeClaim[]> {
    const list = (await this.deps.kube.customObjects.listClusterCustomObject({ ...NodeClaims, labelSelector: `${NodePoolLabel}=${pool}` })) as { items?: unknown[] };
    const out: NodeClaim[] = [];
    for (const item of list.items ?? []) {
      const parsed = NodeClaimSchema.safeParse(item);
      // A claim tenon cannot read still exists and still holds a node: count it as it is.
      out.push(parsed.success ? parsed.data : (item as NodeClaim));
    }
    return out;
  }

  private describe(claim: NodeClaim, now: number): { claim: StaticClaim; pods: V1Pod[] } {
    const node = claim.status?.nodeName;
    const pods = node ? this.deps.state.podsOnNode(node).filter((p) => !isOwnedByDaemonSet(p) && !isDeleting(p)) : [];
    return { claim: { claim, pods: pods.length, doNotDisrupt: pods.some((p) => doNotDisruptActive(p, now)) }, pods };
  }

  private async create(np: NodePool): Promise<void> {
    const pool = np.metadata.name ?? "";
    const spec = np.spec.template.spec;
    // No pods and no instance-type list: the claim carries the pool's requirements and the cloud
    // provider launches the cheapest type that meets them.
    const body = buildNodeClaim(
      { nodePool: pool, requirements: spec.requirements, instanceTypes: [], requests: {}, labels: {}, taints: [], startupTaints: [], zones: [], capacityTypes: [], pods: [], pricePerHour: 0, hostname: "", minValuesRelaxed: false },
      np,
    );
    const raw: unknown = await this.deps.kube.customObjects.createClusterCustomObject({ ...NodeClaims, body });
    const claim = NodeClaimSchema.parse(raw);
    this.log.info({ NodeClaim: { name: claim.metadata.name }, NodePool: { name: pool } }, "created nodeclaim");
    this.metrics.nodeClaimsCreated.inc({ reason: StaticProvisionedReason, nodepool: pool, capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "", min_values_relaxed: "false" });
  }
}
