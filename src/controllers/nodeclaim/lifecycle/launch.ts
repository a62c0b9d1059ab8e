// Pure: what a NodeClaim records once the cloud provider has launched (or found) its instance.
import { HostnameLabel } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { Requirements } from "../../../core/requirements.js";

/** Labels fixed by the claim's requirements (a single `In` value), as Karpenter's Requirements.Labels(). */
export function requirementLabels(claim: NodeClaim): Record<string, string> {
  const labels = Requirements.fromSpecs(claim.spec.requirements).labels();
  return Object.fromEntries(Object.entries(labels).filter(([key]) => key !== HostnameLabel));
}

/**
 * The claim with the launched instance's details: labels from the provider (instance type, zone,
 * capacity type …), overridden by the claim's single-valued requirements and then its own labels;
 * the provider's annotations; providerID, imageID, capacity and allocatable.
 */
export function populateLaunched(claim: NodeClaim, created: NodeClaim): NodeClaim {
  const status = { ...claim.status };
  if (created.status?.providerID) status.providerID = created.status.providerID;
  if (created.status?.imageID) status.imageID = created.status.imageID;
  if (created.status?.capacity) status.capacity = created.status.capacity;
  if (created.status?.allocatable) status.allocatable = created.status.allocatable;
  return {
    ...claim,
    metadata: {
      ...claim.metadata,
      labels: { ...created.metadata.labels, ...requirementLabels(claim), ...claim.metadata.labels },
      annotations: { ...claim.metadata.annotations, ...created.metadata.annotations },
    },
    status,
  };
}
