// Drift: a launched NodeClaim no longer matches what its NodePool (or node class) would launch now.
// As Karpenter's NodeClaim drift check: the NodePool template hash stamped on the claim differs
// from the pool's (NodePoolDrifted); the claim's labels no longer satisfy the pool's requirements
// (RequirementsDrifted); or the cloud provider says so (AMI, subnet, security groups, the
// EC2NodeClass hash …). The first that applies is the reason. The cloud provider's answer counts
// only for an initialized claim: before that its instance may still show partial data (a security
// group not yet attached), and an answer from then would be a stale view.
import { ConditionDrifted, ConditionInitialized, ConditionLaunched, NodePoolHashAnnotation } from "../apis/labels.js";
import type { NodeClaim } from "../apis/nodeclaim.js";
import type { NodePool } from "../apis/nodepool.js";
import type { DriftReason, RequirementSpec } from "../cloudprovider/types.js";
import { isNodePoolTemplateDrifted } from "../apis/nodepoolhash.js";
import { Requirements } from "../core/requirements.js";
import { WellKnownLabels } from "../scheduling/wellknown.js";
import { conditionOf, timeOf } from "./state.js";
import type { DriftState } from "./types.js";

const cloudMessages: Record<string, string> = {
  AMIDrift: "the instance's AMI is no longer one its EC2NodeClass selects",
  SubnetDrift: "the instance's subnet is no longer one its EC2NodeClass selects",
  SecurityGroupDrift: "the instance's security groups differ from those its EC2NodeClass selects",
  NodeClassDrift: "its EC2NodeClass changed (karpenter.k8s.aws/ec2nodeclass-hash differs)",
  InstanceTypeNotFound: "EC2 no longer lists its instance type",
  CapacityReservationDrift: "its capacity reservation is no longer one its EC2NodeClass selects",
};

/** Why the claim's labels do not satisfy the pool's requirements now, or undefined. */
export function requirementsDrift(claim: NodeClaim, np: NodePool): string | undefined {
  const labels = Requirements.fromLabels(claim.metadata.labels ?? {});
  const wanted = Requirements.fromSpecs(np.spec.template.spec.requirements as RequirementSpec[]);
  return labels.compatible(wanted, WellKnownLabels);
}

/** The claim's drift, or a state without reason when it has not drifted (or is not launched). */
export function driftOf(claim: NodeClaim, np: NodePool | undefined, cloud: DriftReason | undefined): DriftState {
  const name = claim.metadata.name ?? "";
  if (conditionOf(claim, ConditionLaunched)?.status !== "True" || !np) return { claim: name };
  if (isNodePoolTemplateDrifted(claim, np)) {
    return { claim: name, reason: "NodePoolDrifted", message: `NodePool "${np.metadata.name}" template changed (${NodePoolHashAnnotation} differs)` };
  }
  const req = requirementsDrift(claim, np);
  if (req !== undefined) return { claim: name, reason: "RequirementsDrifted", message: `labels no longer satisfy NodePool "${np.metadata.name}" requirements: ${req}` };
  if (cloud !== undefined && conditionOf(claim, ConditionInitialized)?.status === "True") return { claim: name, reason: cloud, message: cloudMessages[cloud] ?? cloud };
  return { claim: name };
}

/** When the claim was found drifted (its Drifted condition's transition), for drift's oldest-first order. */
export function driftedSince(claim: NodeClaim | undefined, fallback: number): number {
  const c = conditionOf(claim, ConditionDrifted);
  return c?.status === "True" ? (timeOf(c.lastTransitionTime) ?? fallback) : fallback;
}
