// The EC2 tags tenon writes, the same keys as Karpenter so dashboards, cost reports and IAM
// conditions written for Karpenter keep working.
import type { Tag } from "@aws-sdk/client-ec2";
import { EC2NodeClassTag, EKSClusterNameTag, ManagedByTag, NodeClaimTag, NodePoolTag, clusterOwnershipTag } from "../../../apis/labels.js";

/** Marks launch templates tenon manages for a cluster (Karpenter's key). */
export const LaunchTemplateClusterTag = "karpenter.k8s.aws/cluster";

export const toEC2Tags = (m: Record<string, string>): Tag[] =>
  Object.keys(m)
    .sort()
    .map((Key) => ({ Key, Value: m[Key] }));

export const fromEC2Tags = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ""]));

/** Tags every resource of a node class gets; tenon's keys win over the node class's own tags. */
export function nodeClassTags(clusterName: string, nodeClassName: string, userTags: Record<string, string> | undefined): Record<string, string> {
  return {
    ...(userTags ?? {}),
    [clusterOwnershipTag(clusterName)]: "owned",
    [EKSClusterNameTag]: clusterName,
    [EC2NodeClassTag]: nodeClassName,
  };
}

/** Tags of a launch template (and the interfaces it creates): the node class's, with the NodePool that asked. */
export function launchTemplateTags(clusterName: string, nodeClassName: string, userTags: Record<string, string> | undefined, nodePool: string): Record<string, string> {
  return { ...nodeClassTags(clusterName, nodeClassName, userTags), [NodePoolTag]: nodePool };
}

/** Tags of one node's instance and volumes. */
export function nodeClaimTags(clusterName: string, nodeClassName: string, userTags: Record<string, string> | undefined, nodePool: string, nodeClaim: string): Record<string, string> {
  return {
    ...nodeClassTags(clusterName, nodeClassName, userTags),
    [NodePoolTag]: nodePool,
    [NodeClaimTag]: nodeClaim,
    [ManagedByTag]: clusterName,
    // Name is not set here: the tagging controller sets it to the node's name once the node registers.
  };
}
