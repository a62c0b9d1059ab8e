// Which partition of a partition placement group a launch targets, as Karpenter v1.14 picks it:
// the lowest (in string order) of the values the claim's placement-group-partition requirement
// allows; none when the claim does not constrain it (EC2 then chooses).
import { PlacementGroupPartitionLabel } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import type { PlacementGroup } from "../nodeclass/placementgroups.js";

export function placementPartitionFor(claim: NodeClaim, pg: PlacementGroup): number | undefined {
  if (pg.strategy !== "partition") return undefined;
  const values = (claim.spec.requirements ?? []).filter((r) => r.key === PlacementGroupPartitionLabel && r.operator === "In").flatMap((r) => r.values ?? []);
  if (values.length === 0) return undefined;
  const n = Number.parseInt([...values].sort()[0]!, 10);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
