// capacityreservation.expiration: every minute, NodeClaims in a capacity block that EC2 is about to
// reclaim (its end within 40 minutes) are deleted, as Karpenter v1.14 does, so termination drains
// them while there is still time and the provisioner replaces them. A failed delete is retried next
// round and does not hold up the others.
import { controllerLogger } from "../../../../operator/logging.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../../../controllers/runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../../../../controllers/shared/deps.js";
import { deleteNodeClaim } from "../../../../controllers/shared/kube.js";
import { CapacityReservationIDLabel } from "../../../../apis/labels.js";
import { claimsToExpire, reservationIDsOf } from "./select.js";

const Name = "capacityreservation.expiration";

/** The reservations, among these IDs, that EC2 reports expiring now (the AWS provider answers). */
export interface ExpiringReservations {
  expiringReservations(ids: string[]): Promise<Set<string>>;
}

class ReservationExpiration implements Reconciler {
  readonly name = Name;
  constructor(
    private readonly deps: ControllerDeps & { reservations: ExpiringReservations },
    private readonly intervalMs: number,
  ) {}

  async reconcile(): Promise<ReconcileResult> {
    const { state, kube, logger } = this.deps;
    if (!state.nodeClaims.synced) return { requeueAfterMs: 1000 };
    const claims = state.nodeClaims.list();
    const ids = reservationIDsOf(claims);
    if (ids.length === 0) return { requeueAfterMs: this.intervalMs };
    const expiring = await this.deps.reservations.expiringReservations(ids);
    const errors: unknown[] = [];
    for (const claim of claimsToExpire(claims, expiring)) {
      try {
        if (!(await deleteNodeClaim(kube, claim))) continue;
        logger.info({ controller: Name, NodeClaim: { name: claim.metadata.name }, "capacity-reservation-id": claim.metadata.labels?.[CapacityReservationIDLabel] }, "initiating delete for capacity block expiration");
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${Name}: ${errors.length} failure(s); first: ${String(errors[0])}`);
    return { requeueAfterMs: this.intervalMs };
  }
}

export function newReservationExpirationController(deps: ControllerDeps & { reservations: ExpiringReservations }, intervalMs = 60_000): ManagedController {
  const reconciler = new ReservationExpiration(deps, intervalMs);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, Name) });
  return { name: Name, controller, watch: () => controller.enqueue(Name), run: (signal) => controller.run(signal) };
}
