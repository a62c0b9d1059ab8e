// Which NodeClaims still wait for their placement group partition: launched into a partition
// group without a partition asked for, EC2 picks one, and tells which only in DescribeInstances.
// Until then the claim carries karpenter.k8s.aws/placement-group-partition with an empty value
// (as Karpenter v1.14 does); once EC2 tells, the label gets the partition number, so topology
// spread over the partition key sees every node where it is.
import { PlacementGroupIDLabel, PlacementGroupPartitionLabel } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";

/** A claim in a placement group whose partition label is there but still empty. */
export function awaitsPartition(c: NodeClaim): boolean {
  const labels = c.metadata.labels ?? {};
  return labels[PlacementGroupIDLabel] !== undefined && labels[PlacementGroupPartitionLabel] === "";
}

/** The partition EC2 reports for the claim's instance (the cloud's view of it), if it has said yet. */
export function partitionOf(cloud: NodeClaim): string | undefined {
  const p = cloud.metadata.labels?.[PlacementGroupPartitionLabel];
  return p ? p : undefined;
}
