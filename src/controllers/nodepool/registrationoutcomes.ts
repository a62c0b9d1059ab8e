// The writing side of NodeRegistrationHealthy: the NodeClaim lifecycle reports each claim that
// registered or was given up on, and this records it in the pool's window and, when the window
// changes what the condition says, patches the pool's status (only on top of the version read,
// since conditions replace the whole list).
import type { Condition } from "../../apis/common.js";
import { NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { type KubeClients, isConflict } from "../../operator/kube.js";
import type { Clock } from "../runtime/clock.js";
import { setConditions } from "../shared/conditions.js";
import { NodePools, getRaw, patchStatus } from "../shared/kube.js";
import { RegistrationHealthState, launchedByPool, registrationHealthUpdate } from "./registrationhealth.js";

/** Tries on a conflicting write before giving up on the condition (memory is updated regardless). */
const conflictAttempts = 3;

export class RegistrationOutcomes {
  constructor(
    private readonly kube: KubeClients,
    private readonly clock: Clock,
    readonly health: RegistrationHealthState = new RegistrationHealthState(),
  ) {}

  /** A claim of a pool registered (`ok`) or timed out launching or registering. */
  async observe(claim: NodeClaim, ok: boolean): Promise<void> {
    const poolName = claim.metadata.labels?.[NodePoolLabel];
    if (!poolName) return;
    for (let attempt = 1; ; attempt++) {
      const raw = await getRaw(this.kube, NodePools, poolName);
      if (!raw) return;
      const meta = raw.metadata as { uid?: string; generation?: number; resourceVersion?: string };
      const uid = meta.uid;
      if (!uid || !launchedByPool(claim, uid)) return;
      const conditions = (raw.status as { conditions?: Condition[] } | undefined)?.conditions;
      const update = registrationHealthUpdate(conditions, claim, ok, this.health.dryRun(uid, ok));
      if (update) {
        try {
          await patchStatus(this.kube, NodePools, poolName, meta.resourceVersion, { conditions: setConditions(conditions, [update], meta.generation, this.clock.now()) });
        } catch (err) {
          if (isConflict(err) && attempt < conflictAttempts) continue;
          throw err;
        }
      }
      this.health.record(uid, ok);
      return;
    }
  }
}
