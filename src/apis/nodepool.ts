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

/** Balanced (Karpenter v1.14) takes a consolidation move only when its savings are worth its disruption. */
export const ConsolidationPolicies = ["WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced"] as const;
export type ConsolidationPolicy = (typeof ConsolidationPolicies)[number];

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
  consolidationPolicy: z.enum(ConsolidationPolicies).default("WhenEmptyOrUnderutilized"),
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

const hasKey = (o: object, k: string): boolean => (o as Record<string, unknown>)[k] !== undefined;

export const NodePoolSpecSchema = withRules(
  z.object({
    template: NodeClaimTemplateSchema,
    disruption: DisruptionSchema.prefault({ consolidateAfter: "0s" }),
    limits: ResourceListSchema.optional(),
    weight: z.number().int().min(1).max(100).optional().meta({ format: "int32" }),
    /**
     * A static NodePool (Karpenter's StaticCapacity): exactly this many nodes, whatever the pods
     * ask for. The scale subresource points here, so `kubectl scale nodepool` sets it.
     */
    replicas: z.number().int().min(0).optional().meta({ format: "int64" }),
  }),
  [
    {
      // Which controller owns a pool's nodes follows from this field; switching would orphan them.
      rule: "has(self.replicas) == has(oldSelf.replicas)",
      message: "Cannot transition NodePool between static (replicas set) and dynamic (replicas unset) provisioning modes",
    },
    {
      rule: "!has(self.replicas) || (!has(self.limits) || size(self.limits) == 0 || (size(self.limits) == 1 && 'nodes' in self.limits))",
      message: "only 'limits.nodes' is supported on static NodePools",
      check: (s) => s.replicas === undefined || Object.keys(s.limits ?? {}).every((k) => k === "nodes"),
    },
    {
      rule: "!has(self.replicas) || !has(self.weight)",
      message: "'weight' is not supported on static NodePools",
      check: (s) => s.replicas === undefined || !hasKey(s, "weight"),
    },
  ],
);
export type NodePoolSpec = z.infer<typeof NodePoolSpecSchema>;

export const NodePoolStatusSchema = z.object({
  resources: ResourceListSchema.optional(),
  nodes: z.number().int().default(0).meta({ format: "int64" }),
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
/** A static NodePool keeps `spec.replicas` nodes and is never consolidated. */
export const isStaticNodePool = (np: { spec: { replicas?: number | undefined } }): boolean => np.spec.replicas !== undefined;
/** A NodePool as a user writes it, before defaults. */
export type NodePoolInput = z.input<typeof NodePoolSchema>;
