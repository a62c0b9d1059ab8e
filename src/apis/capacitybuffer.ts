// CapacityBuffer (autoscaling.x-k8s.io/v1beta1): SIG Autoscaling's API, shared with Cluster
// Autoscaler, for spare room in the cluster — some number of copies of a pod template (or of a
// scalable object's pods) that the autoscaler provisions for as if they were pending.
import { z } from "zod";
import { ConditionSchema, ObjectMetaSchema, ResourceListSchema } from "./common.js";
import { withRules } from "./rules.js";

/** The only strategy upstream defines: provision room for the buffer's pods. */
export const ActiveCapacityStrategy = "buffer.x-k8s.io/active-capacity";

const LocalObjectRefSchema = z.object({ name: z.string().min(1) });

export const ScalableRefSchema = z.object({
  apiGroup: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
});
export type ScalableRef = z.infer<typeof ScalableRefSchema>;

export const CapacityBufferSpecSchema = withRules(
  z.object({
    provisioningStrategy: z.string().default(ActiveCapacityStrategy),
    podTemplateRef: LocalObjectRefSchema.optional(),
    scalableRef: ScalableRefSchema.optional(),
    replicas: z.number().int().min(0).optional().meta({ format: "int32" }),
    percentage: z.number().int().min(0).optional().meta({ format: "int32" }),
    limits: ResourceListSchema.optional(),
  }),
  [
    {
      message: "If podTemplateRef is set, replicas or limits must also be set",
      rule: "!has(self.podTemplateRef) || has(self.replicas) || has(self.limits)",
      check: (s) => s.podTemplateRef === undefined || s.replicas !== undefined || s.limits !== undefined,
    },
    {
      message: "You must define either PodTemplateRef or ScalableRef, but not both",
      rule: "!(has(self.podTemplateRef) && has(self.scalableRef))",
      check: (s) => !(s.podTemplateRef !== undefined && s.scalableRef !== undefined),
    },
  ],
);
export type CapacityBufferSpec = z.infer<typeof CapacityBufferSpecSchema>;

export const CapacityBufferStatusSchema = z.object({
  podTemplateRef: LocalObjectRefSchema.optional(),
  replicas: z.number().int().optional().meta({ format: "int32" }),
  podTemplateGeneration: z.number().int().optional().meta({ format: "int64" }),
  provisioningStrategy: z.string().optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type CapacityBufferStatus = z.infer<typeof CapacityBufferStatusSchema>;

export const CapacityBufferSchema = z.object({
  apiVersion: z.literal("autoscaling.x-k8s.io/v1beta1"),
  kind: z.literal("CapacityBuffer"),
  metadata: ObjectMetaSchema,
  spec: CapacityBufferSpecSchema,
  status: CapacityBufferStatusSchema.optional(),
});
export type CapacityBuffer = z.infer<typeof CapacityBufferSchema>;
export type CapacityBufferInput = z.input<typeof CapacityBufferSchema>;
