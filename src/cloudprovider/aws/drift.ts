// Why a launched node no longer matches its EC2NodeClass. Static drift is the spec hash; dynamic
// drift compares the instance with what the node class resolves to now (its status).
import type { Instance } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import { CapacityReservationIDLabel, ConditionReady, PlacementGroupIDLabel, EC2NodeClassHashAnnotation, EC2NodeClassHashVersionAnnotation } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { DriftReason, InstanceType, RequirementSpec } from "../types.js";
import { NODECLASS_HASH_VERSION, nodeClassHash } from "./nodeclass/hash.js";
import { specsCompatible as compatible } from "../../core/requirements.js";

export function staticDrift(claim: NodeClaim, nodeClass: EC2NodeClass): DriftReason | undefined {
  const a = claim.metadata.annotations ?? {};
  // Another hash version (an older tenon, or Karpenter) is re-stamped by the controller, never drift.
  if (a[EC2NodeClassHashVersionAnnotation] !== NODECLASS_HASH_VERSION) return undefined;
  const hash = a[EC2NodeClassHashAnnotation];
  return hash !== undefined && hash !== nodeClassHash(nodeClass) ? "NodeClassDrift" : undefined;
}

/**
 * Why the node class's status cannot be judged against, if so: it is not one whole resolution of the
 * current spec (Ready False — a part never resolved — or Ready observed for an older generation).
 */
export function unresolvedStatus(nodeClass: EC2NodeClass): string | undefined {
  const name = nodeClass.metadata.name ?? "";
  const ready = nodeClass.status?.conditions?.find((c) => c.type === ConditionReady);
  if (ready?.status !== "True") return `EC2NodeClass "${name}" is not ready${ready?.message ? ` (${ready.message})` : ""}`;
  const generation = nodeClass.metadata.generation;
  if (generation !== undefined && ready.observedGeneration !== undefined && ready.observedGeneration < generation) {
    return `EC2NodeClass "${name}" status is for generation ${ready.observedGeneration}, its spec is at ${generation}`;
  }
  return undefined;
}

/** What the instance does not show yet that drift compares (its image, subnet, security groups), if anything. */
export function unsettledInstance(instance: Instance): string | undefined {
  const missing = [!instance.ImageId && "image", !instance.SubnetId && "subnet", (instance.SecurityGroups ?? []).length === 0 && "security groups"].filter(Boolean);
  return missing.length > 0 ? `shows no ${missing.join(", ")}` : undefined;
}

/**
 * Dynamic drift. `instanceType` is the instance's type as EC2 describes it now: undefined when EC2 no
 * longer lists the type, which Karpenter calls InstanceTypeNotFound (nothing like it can be launched again).
 */
export function dynamicDrift(
  claim: NodeClaim,
  instance: Instance,
  nodeClass: EC2NodeClass,
  instanceType: InstanceType | undefined,
  placementGroupID?: string,
): DriftReason | undefined {
  if (!instanceType) return "InstanceTypeNotFound";
  const status = nodeClass.status;
  const amis = status?.amis ?? [];
  if (amis.length > 0 && instance.ImageId) {
    // The AMIs this type would get now; an image among them is current even if not the newest of all.
    const suitable = amis.filter((a) => compatible(instanceType.requirements, a.requirements as RequirementSpec[]));
    if (!suitable.some((a) => a.id === instance.ImageId)) return "AMIDrift";
  }
  const subnets = status?.subnets ?? [];
  if (subnets.length > 0 && instance.SubnetId && !subnets.some((s) => s.id === instance.SubnetId)) return "SubnetDrift";
  const wanted = new Set((status?.securityGroups ?? []).map((g) => g.id));
  const have = new Set((instance.SecurityGroups ?? []).map((g) => g.GroupId ?? ""));
  if (wanted.size > 0 && (wanted.size !== have.size || [...wanted].some((g) => !have.has(g)))) return "SecurityGroupDrift";
  const reservation = claim.metadata.labels?.[CapacityReservationIDLabel];
  if (reservation && !(status?.capacityReservations ?? []).some((r) => r.id === reservation)) return "CapacityReservationDrift";
  return placementGroupDrift(claim, placementGroupID);
}

/**
 * PlacementGroupDrift, as Karpenter: the claim's placement-group-id label differs from the group the
 * node class resolves to now — a selector added, removed or pointed elsewhere, or the group recreated.
 */
export function placementGroupDrift(claim: NodeClaim, placementGroupID: string | undefined): DriftReason | undefined {
  return (claim.metadata.labels?.[PlacementGroupIDLabel] ?? "") !== (placementGroupID ?? "") ? "PlacementGroupDrift" : undefined;
}
