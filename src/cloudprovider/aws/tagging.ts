// Tagging a registered node's instance, as Karpenter's nodeclaim tagging controller does: Name
// becomes the node's name, and karpenter.sh/nodeclaim and eks:eks-cluster-name are made sure of.
// Tags the instance already has are left alone, so a user's own Name stays.
import { CreateTagsCommand, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { EKSClusterNameTag, NameTag, NodeClaimTag } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { fromEC2Tags, toEC2Tags } from "./launch/tags.js";

/** The tags to add to the claim's instance now (none before the node is known). */
export function registrationTags(claim: NodeClaim, instance: Instance, clusterName: string): Record<string, string> {
  const nodeName = claim.status?.nodeName;
  if (!nodeName) return {};
  const have = fromEC2Tags(instance.Tags);
  const want: Record<string, string> = { [NameTag]: nodeName, [NodeClaimTag]: claim.metadata.name ?? "", [EKSClusterNameTag]: clusterName };
  return Object.fromEntries(Object.entries(want).filter(([k]) => have[k] === undefined));
}

export async function tagInstance(ec2: EC2Client, instance: Instance, tags: Record<string, string>): Promise<void> {
  if (!instance.InstanceId || Object.keys(tags).length === 0) return;
  await ec2.send(new CreateTagsCommand({ Resources: [instance.InstanceId], Tags: toEC2Tags(tags) }));
}
