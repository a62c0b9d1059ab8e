// Pure: the deadline a deleted NodeClaim's terminationGracePeriod sets for draining its node.
import { parseDuration } from "../../../apis/duration.js";
import { TerminationTimestampAnnotation } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { timeOf } from "../../../state/predicates.js";

/** RFC 3339 in whole seconds, as Go's time.RFC3339 writes it. */
export function formatRFC3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * The `karpenter.sh/nodeclaim-termination-timestamp` value to write: deletion time plus the claim's
 * terminationGracePeriod. Undefined when the claim is not being deleted, has no grace period, or
 * already carries the annotation (it is written once, so restarts do not move the deadline).
 */
export function terminationTimestampToWrite(claim: NodeClaim): string | undefined {
  if (claim.metadata.annotations?.[TerminationTimestampAnnotation] !== undefined) return undefined;
  const deleted = timeOf(claim.metadata.deletionTimestamp);
  const tgp = claim.spec.terminationGracePeriod;
  if (deleted === undefined || tgp === undefined) return undefined;
  return formatRFC3339(deleted + parseDuration(tgp));
}

/** The drain deadline the claim carries (ms since epoch), or undefined when it has none. Throws on a malformed value. */
export function terminationDeadline(claim: NodeClaim | undefined): number | undefined {
  const value = claim?.metadata.annotations?.[TerminationTimestampAnnotation];
  if (value === undefined) return undefined;
  const ms = timeOf(value);
  if (ms === undefined) {
    throw new Error(`NodeClaim ${claim?.metadata.name}: annotation ${TerminationTimestampAnnotation}="${value}" is not an RFC 3339 time; fix or remove it`);
  }
  return ms;
}
