// capacityreservation.capacitytype: every minute, NodeClaims whose capacity reservation has ended
// (EC2 reports their instance on-demand) and their registered Nodes are relabelled on-demand with
// the reservation labels removed, so scheduling, disruption and pricing treat them as on-demand —
// as Karpenter v1.14 does.
import { NodeRegisteredLabel } from "../../../../apis/labels.js";
import { controllerLogger } from "../../../../operator/logging.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../../../controllers/runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../../../../controllers/shared/deps.js";
import { NodeClaims, patchMetadata, patchNode } from "../../../../controllers/shared/kube.js";
import { endedReservations, onDemandPatch } from "./select.js";

const Name = "capacityreservation.capacitytype";

class CapacityTypeSync implements Reconciler {
  readonly name = Name;
  constructor(
    private readonly deps: ControllerDeps,
    private readonly intervalMs: number,
  ) {}

  async reconcile(): Promise<ReconcileResult> {
    const { state, cloudProvider, kube } = this.deps;
    if (!state.nodeClaims.synced || !state.nodes.synced) return { requeueAfterMs: 1000 };
    const cloud = await cloudProvider.list();
    const errors: unknown[] = [];
    for (const claim of endedReservations(state.nodeClaims.list(), cloud)) {
      const name = claim.metadata.name ?? "";
      try {
        await patchMetadata(kube, NodeClaims, name, { labels: onDemandPatch() });
        // A node not registered yet gets its labels from the claim when it registers.
        const node = state.nodeByProviderID(claim.status?.providerID ?? "");
        if (node?.metadata?.name && !node.metadata.deletionTimestamp && node.metadata.labels?.[NodeRegisteredLabel] === "true") {
          await patchNode(kube, node.metadata.name, { metadata: { labels: onDemandPatch() } });
        }
        this.deps.logger.info({ controller: Name, NodeClaim: { name }, "provider-id": claim.status?.providerID }, "capacity reservation ended: nodeclaim moved to on-demand");
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${Name}: ${errors.length} failure(s); first: ${String(errors[0])}`);
    return { requeueAfterMs: this.intervalMs };
  }
}

export function newCapacityTypeController(deps: ControllerDeps, intervalMs = 60_000): ManagedController {
  const reconciler = new CapacityTypeSync(deps, intervalMs);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, Name) });
  return { name: Name, controller, watch: () => controller.enqueue(Name), run: (signal) => controller.run(signal) };
}
