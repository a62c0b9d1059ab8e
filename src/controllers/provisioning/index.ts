export {
  Provisioner,
  PROVISIONER_KEY,
  PENDING_RECHECK_MS,
  ProvisioningReason,
  failedSchedulingEvent,
  nominatedEvent,
  type NodePoolAllowed,
  type ProvisionerDeps,
} from "./provisioner.js";
export { Batcher, type BatcherOptions } from "./batcher.js";
export { buildNodeClaim, claimRequirements } from "./nodeclaim.js";
export { buildSchedulingInput, type ClusterView } from "./input.js";
export { InFlightClaims, UNSEEN_CLAIM_TTL_MS } from "./inflight.js";
export { legacySchedulingDuration, LegacySchedulingDurationName } from "./metrics.js";
