import { z } from "zod";
import {
  ConditionSchema,
  DurationPattern,
  LabelValuePattern,
  NillableDurationPattern,
  NodeClassReferenceSchema,
  ResourceListSchema,
  TaintSchema,
  labelMapRules,
  requirementListRules,
  requirementSchema,
  ObjectMetaSchema,
} from "./common.js";
import { withMeta, withRules } from "./rules.js";

export const DisruptionReasons = ["Underutilized", "Empty", "Drifted"] as const;
export type DisruptionReason = (typeof DisruptionReasons)[number];

export const BudgetSchema = z.object({
  nodes: z.string().regex(/^((100|[0-9]{1,2})%|[0-9]+)$/, 'must be a count like "5" or a percentage like "10%"').default("10%"),
  schedule: z
    .string()
    .regex(/^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/, "must be a cron schedule of five fields or a macro like @daily")
    .optional(),
  duration: z.string().regex(/^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/, 'must be a duration in hours and minutes like "1h" or "1h30m"').optional(),
  reasons: z.array(z.enum(DisruptionReasons)).optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export const DisruptionSchema = z.object({
  consolidateAfter: z.string().regex(new RegExp(NillableDurationPattern), 'must be a duration like "30s", "5m" or "Never"'),
  consolidationPolicy: z.enum(["WhenEmpty", "WhenEmptyOrUnderutilized"]).default("WhenEmptyOrUnderutilized"),
  budgets: withRules(z.array(BudgetSchema).max(50), [
    {
      message: "'schedule' must be set with 'duration'",
      rule: "self.all(x, has(x.schedule) == has(x.duration))",
      check: (bs) => bs.every((b) => (b.schedule === undefined) === (b.duration === undefined)),
    },
  ]).default([{ nodes: "10%" }]),
});
export type Disruption = z.infer<typeof DisruptionSchema>;

export const NodePoolRequirementSchema = requirementSchema({ allowNodePool: false });

export const NodeClaimTemplateSpecSchema = z.object({
  requirements: withRules(z.array(NodePoolRequirementSchema).max(100), requirementListRules()),
  taints: z.array(TaintSchema).optional(),
  startupTaints: z.array(TaintSchema).optional(),
  expireAfter: z.string().regex(new RegExp(NillableDurationPattern), 'must be a duration like "720h" or "Never"').default("720h"),
  terminationGracePeriod: z.string().regex(new RegExp(DurationPattern), 'must be a duration like "48h"').optional(),
  nodeClassRef: withRules(NodeClassReferenceSchema, [
    { rule: "self.group == oldSelf.group", message: "nodeClassRef.group is immutable" },
    { rule: "self.kind == oldSelf.kind", message: "nodeClassRef.kind is immutable" },
  ]),
});

export const NodeClaimTemplateSchema = z.object({
  metadata: z
    .object({
      labels: withMeta(
        withRules(z.record(z.string(), z.string().max(63).regex(new RegExp(LabelValuePattern), "must be a valid label value")), labelMapRules()),
        { maxProperties: 100 },
      ).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: NodeClaimTemplateSpecSchema,
});

export const NodePoolSpecSchema = z.object({
  template: NodeClaimTemplateSchema,
  disruption: DisruptionSchema.prefault({ consolidateAfter: "0s" }),
  limits: ResourceListSchema.optional(),
  weight: z.number().int().min(1).max(100).optional().meta({ format: "int32" }),
});
export type NodePoolSpec = z.infer<typeof NodePoolSpecSchema>;

export const NodePoolStatusSchema = z.object({
  resources: ResourceListSchema.optional(),
  nodes: z.number().int().min(0).optional(),
  conditions: z.array(ConditionSchema).optional(),
  nodeClassObservedGeneration: z.number().int().optional(),
});
export type NodePoolStatus = z.infer<typeof NodePoolStatusSchema>;

export const NodePoolSchema = z.object({
  apiVersion: z.literal("karpenter.sh/v1"),
  kind: z.literal("NodePool"),
  metadata: ObjectMetaSchema,
  spec: NodePoolSpecSchema,
  status: NodePoolStatusSchema.optional(),
});
export type NodePool = z.infer<typeof NodePoolSchema>;
/** A NodePool as a user writes it, before defaults. */
export type NodePoolInput = z.input<typeof NodePoolSchema>;
