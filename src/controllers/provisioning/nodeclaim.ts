// A planned NodeClaim (the solver's output) as the NodeClaim object the provisioner creates, the
// way Karpenter's NodeClaimTemplate.ToNodeClaim builds it: named after its NodePool, labelled and
// annotated from the pool's template, stamped with the pool's hash, owned by the pool, and carrying
// the narrowed requirements (instance types listed, minValues kept) and the pods' requests.
import type { V1Taint } from "@kubernetes/client-node";
import { requirementKeyRules } from "../../apis/common.js";
import { CapacityOverlayAppliedAnnotation, HostnameLabel, InstanceTypeLabel, NodeClaimMinValuesRelaxedAnnotation, NodePoolLabel, PriceOverlayAppliedAnnotation } from "../../apis/labels.js";
import type { NodeClaimInput, NodeClaimRequirement } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { ResourceList } from "../../cloudprovider/types.js";
import { formatQuantity } from "../../core/quantity.js";
import { singleValuedLabels } from "../../state/model.js";
import type { PlannedNodeClaim } from "../../scheduling/types.js";
import { nodePoolHashAnnotations } from "../../apis/nodepoolhash.js";

const keyRules = requirementKeyRules({ allowNodePool: true });

/** Whether a NodeClaim may carry a requirement on this key (the CRD's rules). */
export function claimableKey(key: string): boolean {
  return keyRules.every((r) => r.check?.(key) ?? true);
}

function toTaint(t: V1Taint): { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" } {
  return { key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect as "NoSchedule" | "PreferNoSchedule" | "NoExecute" };
}

export function formatResources(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list).sort(([a], [b]) => a.localeCompare(b))) if (v > 0) out[k] = formatQuantity(v, k);
  return out;
}

/**
 * The claim's requirements as the NodeClaim API takes them: keys the CRD forbids dropped (a
 * hostname placeholder is the solver's, not the node's), and `instance-type In [...]` bounded to
 * the planned types so the launch picks among exactly those.
 */
export function claimRequirements(planned: Pick<PlannedNodeClaim, "requirements" | "instanceTypes">): NodeClaimRequirement[] {
  const out: NodeClaimRequirement[] = [];
  for (const r of planned.requirements) {
    if (r.key === HostnameLabel || !claimableKey(r.key)) continue;
    out.push({ key: r.key, operator: r.operator, ...(r.values && r.values.length > 0 ? { values: [...r.values] } : {}), ...(r.minValues !== undefined ? { minValues: r.minValues } : {}) });
  }
  const names = planned.instanceTypes.map((it) => it.name);
  if (names.length === 0) return out;
  // The planned types are all compatible with whatever the pool said about instance types, so they
  // replace it (keeping its minValues).
  const i = out.findIndex((r) => r.key === InstanceTypeLabel);
  const minValues = i >= 0 ? out[i]!.minValues : undefined;
  const bounded: NodeClaimRequirement = { key: InstanceTypeLabel, operator: "In", values: names, ...(minValues !== undefined ? { minValues } : {}) };
  if (i >= 0) out[i] = bounded;
  else out.push(bounded);
  return out;
}

/** The NodeClaim to create for a planned claim of `nodePool` (generateName; the API server names it). */
export function buildNodeClaim(planned: PlannedNodeClaim, nodePool: NodePool): NodeClaimInput {
  const template = nodePool.spec.template;
  const poolName = nodePool.metadata.name ?? planned.nodePool;
  const requirements = claimRequirements(planned);
  const labels: Record<string, string> = {
    ...(template.metadata?.labels ?? {}),
    ...singleValuedLabels(requirements),
    ...Object.fromEntries(Object.entries(planned.labels).filter(([k]) => k !== HostnameLabel)),
    [NodePoolLabel]: poolName,
  };
  const spec = template.spec;
  const taints = planned.taints.length > 0 ? planned.taints.map(toTaint) : (spec.taints ?? []);
  const startupTaints = planned.startupTaints.length > 0 ? planned.startupTaints.map(toTaint) : (spec.startupTaints ?? []);
  // As Karpenter marks them: the cloud provider launches a price-overlaid claim by the overlaid
  // prices (CreateFleet's prioritized strategies) instead of letting EC2 pick by its own.
  const overlaid = {
    ...(planned.instanceTypes.some((it) => it.priceOverlaid) ? { [PriceOverlayAppliedAnnotation]: "true" } : {}),
    ...(planned.instanceTypes.some((it) => it.capacityOverlaid) ? { [CapacityOverlayAppliedAnnotation]: "true" } : {}),
  };
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      generateName: `${poolName}-`,
      labels,
      // Karpenter marks every NodeClaim it plans with whether MIN_VALUES_POLICY=BestEffort lowered a minValues.
      annotations: { ...(template.metadata?.annotations ?? {}), ...nodePoolHashAnnotations(nodePool), [NodeClaimMinValuesRelaxedAnnotation]: String(planned.minValuesRelaxed), ...overlaid },
      ownerReferences: [{ apiVersion: "karpenter.sh/v1", kind: "NodePool", name: poolName, uid: nodePool.metadata.uid ?? "", blockOwnerDeletion: true }],
    },
    spec: {
      requirements,
      resources: { requests: formatResources(planned.requests) },
      ...(taints.length > 0 ? { taints } : {}),
      ...(startupTaints.length > 0 ? { startupTaints } : {}),
      expireAfter: spec.expireAfter,
      ...(spec.terminationGracePeriod !== undefined ? { terminationGracePeriod: spec.terminationGracePeriod } : {}),
      nodeClassRef: { group: spec.nodeClassRef.group, kind: spec.nodeClassRef.kind, name: spec.nodeClassRef.name },
    },
  };
}
