// Pure: which cloud instances and which NodeClaims have lost their other half.
import { ConditionLaunched } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { isTrue } from "../../shared/conditions.js";
import { isDeleting, timeOf } from "../../../state/predicates.js";

/** What can be read of a NodeClaim that fails the schema: its name and, if it has one, its provider ID. */
export interface UnreadableClaim {
  name: string;
  providerID?: string;
}

/** Instances younger than this are never collected: their claim's status write may still be on its way. */
export const defaultMinInstanceAgeMs = 30_000;

/**
 * Instances (as the provider lists them: claims named by their `karpenter.sh/nodeclaim` tag) that
 * no NodeClaim accounts for, old enough to be sure. An instance is accounted for when a claim
 * records its provider ID, or when the claim its tag names exists and has no provider ID yet: that
 * claim's launch is in flight (or crashed between the launch and the status write), and the
 * lifecycle controller will find this instance by its tag rather than launch another.
 */
export function orphanedInstances(instances: readonly NodeClaim[], claims: readonly NodeClaim[], now: number, minAgeMs = defaultMinInstanceAgeMs, unreadable: readonly UnreadableClaim[] = []): NodeClaim[] {
  const providerIDs = new Set(claims.map((c) => c.status?.providerID).filter((id): id is string => Boolean(id)));
  const launching = new Set(claims.filter((c) => !c.status?.providerID).map((c) => c.metadata.name));
  // A NodeClaim tenon cannot read still exists: whatever it might account for is left alone.
  const unreadableNames = new Set(unreadable.map((u) => u.name));
  const unreadableIDs = new Set(unreadable.map((u) => u.providerID).filter((id): id is string => Boolean(id)));
  return instances.filter((instance) => {
    const providerID = instance.status?.providerID;
    if (!providerID || isDeleting(instance)) return false;
    if (providerIDs.has(providerID) || unreadableIDs.has(providerID)) return false;
    if (instance.metadata.name !== undefined && (launching.has(instance.metadata.name) || unreadableNames.has(instance.metadata.name))) return false;
    const created = timeOf(instance.metadata.creationTimestamp);
    return created === undefined || now - created > minAgeMs;
  });
}

/**
 * Launched NodeClaims whose instance the provider did not list. Listing is eventually consistent,
 * so these are only candidates: the caller confirms each with get() before deleting anything.
 */
export function claimsWithoutInstances(claims: readonly NodeClaim[], instances: readonly NodeClaim[]): NodeClaim[] {
  const listed = new Set(instances.filter((i) => !isDeleting(i)).map((i) => i.status?.providerID));
  return claims.filter((c) => {
    const providerID = c.status?.providerID;
    return Boolean(providerID) && isTrue(c.status?.conditions, ConditionLaunched) && !isDeleting(c) && !listed.has(providerID);
  });
}
