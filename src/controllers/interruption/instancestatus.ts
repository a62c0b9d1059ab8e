// interruption.instancestatus: polls EC2's instance status checks every minute, with or without an
// interruption queue, as Karpenter's AWS provider (v1.14) does. For an instance one of this
// cluster's NodeClaims holds: a failed instance or system status check (lasting two minutes) is a
// broken machine — the NodeClaim gets a termination timestamp of now (no PDB-respecting drain, no
// volume waits) and is deleted; a scheduled event (reboot, maintenance, retirement, stop) deletes
// it the ordinary way, so it drains. InstanceUnhealthy and TerminatingOnInterruption Events, and
// karpenter_interruption_instance_status_unhealthy_total counts each instance and category once
// while it stays unhealthy.
import type { Logger } from "pino";
import { CapacityTypeLabel, NodePoolLabel, TerminationTimestampAnnotation } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { type InstanceHealth, type StatusCategory, kindOfCategory } from "../../cloudprovider/aws/interruption/instancestatus.js";
import { isNotFound } from "../../operator/kube.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../operator/metrics.js";
import { formatRFC3339 } from "../nodeclaim/lifecycle/termination.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { deleteNodeClaim, patchNodeClaim } from "../shared/kube.js";
import { isManagedClaim } from "../shared/objects.js";
import { instanceIDOf } from "./controller.js";
import { instanceUnhealthyEvents, terminatingOnInterruptionEvents } from "./events.js";
import { type InterruptionMetrics, interruptionMetrics } from "./metrics.js";

export const InstanceStatusControllerName = "interruption.instancestatus";
export const instanceStatusIntervalMs = 60_000;

/** The unhealthy instances EC2 reports (src/cloudprovider/aws/interruption/instancestatus.ts). */
export interface InstanceStatusSource {
  list(signal?: AbortSignal): Promise<InstanceHealth[]>;
}

export interface InstanceStatusDeps extends ControllerDeps {
  statuses: InstanceStatusSource;
  interruptionMetrics?: InterruptionMetrics;
}

export class InstanceStatusReconciler implements Reconciler {
  readonly name = InstanceStatusControllerName;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly im: InterruptionMetrics;
  /** instance/category pairs already counted; pruned when no longer reported. */
  private counted = new Set<string>();

  constructor(private readonly deps: InstanceStatusDeps) {
    this.log = controllerLogger(deps.logger, this.name);
    this.metrics = deps.metrics ?? defaultMetrics;
    this.im = deps.interruptionMetrics ?? interruptionMetrics();
  }

  async reconcile(_key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const { state } = this.deps;
    // A claim not yet in the cache would make its instance look like someone else's.
    if (!state.nodeClaims.synced || !state.nodes.synced) return { requeueAfterMs: 1000 };
    const unhealthy = await this.deps.statuses.list(signal);
    const claims = this.claimsByInstance();
    const current = new Set<string>();
    const errors: unknown[] = [];
    for (const health of unhealthy) {
      const owned = claims.get(health.instanceID) ?? [];
      if (owned.length === 0) continue;
      for (const category of health.categories) {
        this.count(health.instanceID, category, current);
        for (const claim of owned) {
          try {
            await this.act(claim, category);
          } catch (err) {
            errors.push(err);
          }
        }
      }
    }
    this.counted = new Set([...this.counted].filter((k) => current.has(k)));
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `acting on ${errors.length} unhealthy instances failed`);
    return { requeueAfterMs: instanceStatusIntervalMs };
  }

  private count(instanceID: string, category: StatusCategory, current: Set<string>): void {
    const key = `${instanceID}/${category}`;
    current.add(key);
    if (this.counted.has(key)) return;
    this.counted.add(key);
    this.log.info({ instanceID, category }, "detected unhealthy instance owned by cluster");
    this.im.instanceStatusUnhealthy.inc({ category });
  }

  private async act(claim: NodeClaim, category: StatusCategory): Promise<void> {
    if (claim.metadata.deletionTimestamp) return;
    const kind = kindOfCategory[category];
    const node = claim.status?.providerID ? this.deps.state.nodeByProviderID(claim.status.providerID) : undefined;
    const forceful = category !== "EventStatus";
    const log = this.log.child({ messageKind: kind, NodeClaim: { name: claim.metadata.name }, ...(node ? { Node: { name: node.metadata?.name } } : {}), action: forceful ? "ForcefulTermination" : "CordonAndDrain" });
    this.deps.recorder.publish(...instanceUnhealthyEvents(claim, node));
    if (forceful && !claim.metadata.annotations?.[TerminationTimestampAnnotation]) {
      try {
        await patchNodeClaim(this.deps.kube, claim.metadata.name ?? "", { annotations: { [TerminationTimestampAnnotation]: formatRFC3339(this.deps.clock.now()) } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    if (!(await deleteNodeClaim(this.deps.kube, claim))) return;
    log.info("initiating delete from interruption message");
    this.deps.recorder.publish(...terminatingOnInterruptionEvents(claim, node));
    this.metrics.nodeClaimsDisrupted.inc({ reason: kind, nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
  }

  private claimsByInstance(): Map<string, NodeClaim[]> {
    const out = new Map<string, NodeClaim[]>();
    for (const claim of this.deps.state.nodeClaims.list()) {
      const id = instanceIDOf(claim.status?.providerID);
      if (!id || !isManagedClaim(claim, this.deps.cloudProvider)) continue;
      out.set(id, [...(out.get(id) ?? []), claim]);
    }
    return out;
  }
}

/** The instance status controller: one singleton key, polled every minute. */
export function newInstanceStatusController(deps: InstanceStatusDeps): ManagedController {
  const reconciler = new InstanceStatusReconciler(deps);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name) });
  return {
    name: reconciler.name,
    controller,
    watch() {
      controller.enqueue(InstanceStatusControllerName);
    },
    run: (signal) => controller.run(signal),
  };
}
