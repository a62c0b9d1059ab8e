import { z } from "zod";
import {
  ConditionSchema,
  DurationPattern,
  NillableDurationPattern,
  NodeClassReferenceSchema,
  ObjectMetaSchema,
  ResourceListSchema,
  TaintSchema,
  requirementListRules,
  requirementSchema,
} from "./common.js";
import { withRules } from "./rules.js";

export const NodeClaimRequirementSchema = requirementSchema({ allowNodePool: true });
export type NodeClaimRequirement = z.infer<typeof NodeClaimRequirementSchema>;

export const NodeClaimSpecSchema = withRules(
  z.object({
    requirements: withRules(z.array(NodeClaimRequirementSchema).max(100), requirementListRules()),
    resources: z.object({ requests: ResourceListSchema.optional() }).optional(),
    taints: z.array(TaintSchema).optional(),
    startupTaints: z.array(TaintSchema).optional(),
    expireAfter: z.string().regex(new RegExp(NillableDurationPattern), 'must be a duration like "720h" or "Never"').default("720h"),
    terminationGracePeriod: z.string().regex(new RegExp(DurationPattern), 'must be a duration like "48h"').optional(),
    nodeClassRef: NodeClassReferenceSchema,
  }),
  // A NodeClaim is a record of one launch: changing it afterwards would describe another machine.
  [{ rule: "self == oldSelf", message: "spec is immutable" }],
);
export type NodeClaimSpec = z.infer<typeof NodeClaimSpecSchema>;

export const NodeClaimStatusSchema = z.object({
  nodeName: z.string().optional(),
  providerID: z.string().optional(),
  imageID: z.string().optional(),
  capacity: ResourceListSchema.optional(),
  allocatable: ResourceListSchema.optional(),
  conditions: z.array(ConditionSchema).optional(),
  lastPodEventTime: z.string().meta({ format: "date-time" }).optional(),
});
export type NodeClaimStatus = z.infer<typeof NodeClaimStatusSchema>;

export const NodeClaimSchema = z.object({
  apiVersion: z.literal("karpenter.sh/v1"),
  kind: z.literal("NodeClaim"),
  metadata: ObjectMetaSchema,
  spec: NodeClaimSpecSchema,
  status: NodeClaimStatusSchema.optional(),
});
export type NodeClaim = z.infer<typeof NodeClaimSchema>;
export type NodeClaimInput = z.input<typeof NodeClaimSchema>;
