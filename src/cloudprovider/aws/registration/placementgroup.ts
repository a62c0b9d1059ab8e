// The placement group registration hook (Karpenter v1.14's PlacementGroupRegistrationHook): a claim
// launched into a partition group where EC2 chose the partition carries an empty partition label;
// its node is not registered until DescribeInstances tells the partition and the claim carries
// it, so the node gets the label in the same write that removes the unregistered taint, and
// topology spread over the partition key never sees the node without its partition.
import { PlacementGroupPartitionLabel } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import type { RegistrationHook, RegistrationHookResult } from "../../types.js";
import { awaitsPartition, partitionOf } from "./select.js";

/** Karpenter's name for the hook, shown in a pending claim's Registered condition. */
export const PlacementGroupRegistrationHookName = "PlacementGroupRegistrationHook";

/**
 * The hook over a fresh cloud view of the claim's instance (the provider's `get`: a
 * DescribeInstances by provider ID, batched with the other lookups of the moment, not cached).
 * Until EC2 says, the hook is pending with no requeue of its own: the lifecycle backs off.
 */
export function placementGroupRegistrationHook(get: (providerID: string) => Promise<NodeClaim>): RegistrationHook {
  return {
    name: PlacementGroupRegistrationHookName,
    async registered(claim: NodeClaim): Promise<RegistrationHookResult> {
      if (!awaitsPartition(claim)) return { done: true };
      const providerID = claim.status?.providerID;
      if (!providerID) return { done: false };
      let cloud: NodeClaim;
      try {
        cloud = await get(providerID);
      } catch (err) {
        throw new Error(`describing instance ${providerID} of NodeClaim ${claim.metadata.name ?? ""} for its placement group partition: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const partition = partitionOf(cloud);
      return partition ? { done: true, labels: { [PlacementGroupPartitionLabel]: partition } } : { done: false };
    },
  };
}
