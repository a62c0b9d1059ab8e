// NodeOverlay (karpenter.sh/v1alpha1): changes what the scheduler believes about instance types that
// match its requirements — their price, or extended resources they carry — without touching the
// cloud provider's catalog.
import { z } from "zod";
import { ConditionSchema, LabelValuePattern, ObjectMetaSchema, QualifiedNamePattern, ResourceListSchema } from "./common.js";
import { AWSInstanceLabels, CapacityTypeLabel, EC2NodeClassLabel, HostnameLabel, NodePoolLabel } from "./labels.js";
import { type CelRule, labelDomain, withRules } from "./rules.js";

/** Overlays also take Gte and Lte, which NodePool requirements do not. */
export const OverlayRequirementOperators = ["Gte", "Lte", "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const;
export type OverlayRequirementOperator = (typeof OverlayRequirementOperators)[number];

/** The AWS labels an overlay may select on: the instance labels and the node class. */
const overlayAWSLabels: readonly string[] = [EC2NodeClassLabel, ...AWSInstanceLabels, "karpenter.k8s.aws/nitro-sandbox", "karpenter.k8s.aws/instance-capability-flex"];
const quoted = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(", ");
const karpenterAllowed = [CapacityTypeLabel, NodePoolLabel];

const overlayKeyRules: CelRule<string>[] = [
  {
    message: 'label domain "karpenter.sh" is restricted',
    rule: `self in [${quoted(karpenterAllowed)}] || !self.find("^([^/]+)").endsWith("karpenter.sh")`,
    check: (k) => karpenterAllowed.includes(k) || !labelDomain(k).endsWith("karpenter.sh"),
  },
  { message: `label "${HostnameLabel}" is restricted`, rule: `self != "${HostnameLabel}"`, check: (k) => k !== HostnameLabel },
  {
    message: 'label domain "karpenter.k8s.aws" is restricted',
    rule: `self in [${quoted(overlayAWSLabels)}] || !self.find("^([^/]+)").endsWith("karpenter.k8s.aws")`,
    check: (k) => overlayAWSLabels.includes(k) || !labelDomain(k).endsWith("karpenter.k8s.aws"),
  },
];

export const OverlayRequirementSchema = z.object({
  key: withRules(z.string().max(316).regex(new RegExp(QualifiedNamePattern), "must be a qualified label key"), overlayKeyRules),
  operator: z.enum(OverlayRequirementOperators),
  values: z.array(z.string().max(63).regex(new RegExp(LabelValuePattern), "must be a valid label value")).optional().meta({ "x-kubernetes-list-type": "atomic" }),
});
export type OverlayRequirement = z.infer<typeof OverlayRequirementSchema>;

const numeric = ["Gt", "Lt", "Gte", "Lte"];
const overlayRequirementListRules: CelRule<OverlayRequirement[]>[] = [
  {
    message: "requirements with operator 'NotIn' must have a value defined",
    rule: "self.all(x, x.operator == 'NotIn' ? (has(x.values) && x.values.size() != 0) : true)",
    check: (rs) => rs.every((r) => r.operator !== "NotIn" || (r.values ?? []).length > 0),
  },
  {
    message: "requirements with operator 'In' must have a value defined",
    rule: "self.all(x, x.operator == 'In' ? (has(x.values) && x.values.size() != 0) : true)",
    check: (rs) => rs.every((r) => r.operator !== "In" || (r.values ?? []).length > 0),
  },
  {
    message: "requirements operator 'Gt', 'Lt', 'Gte' or 'Lte' must have a single positive integer value",
    rule: "self.all(x, (x.operator == 'Gt' || x.operator == 'Lt' || x.operator == 'Gte' || x.operator == 'Lte') ? (has(x.values) && x.values.size() == 1 && x.values[0].matches('^[0-9]+$')) : true)",
    check: (rs) => rs.every((r) => !numeric.includes(r.operator) || ((r.values ?? []).length === 1 && /^[0-9]+$/.test(r.values![0]!))),
  },
];

/** Standard resources an overlay may not change: it only adds extended resources. */
export const OverlayRestrictedResources = ["cpu", "memory", "ephemeral-storage", "pods"] as const;

export const NodeOverlaySpecSchema = withRules(
  z.object({
    requirements: withRules(z.array(OverlayRequirementSchema).max(100), overlayRequirementListRules),
    price: z.string().regex(/^\d+(\.\d+)?$/, 'must be a price like "0.42"').optional(),
    priceAdjustment: z
      .string()
      .regex(/^(([+-]{1}(\d*\.?\d+))|(\+{1}\d*\.?\d+%)|(^(-\d{1,2}(\.\d+)?%)$)|(-100%))$/, 'must be a signed amount like "-0.5" or a percentage like "+10%" or "-15%"')
      .optional(),
    capacity: withRules(ResourceListSchema, [
      {
        message: "invalid resource restricted",
        rule: `self.all(x, !(x in [${OverlayRestrictedResources.map((r) => `'${r}'`).join(", ")}]))`,
        check: (c) => Object.keys(c).every((k) => !(OverlayRestrictedResources as readonly string[]).includes(k)),
      },
    ]).optional(),
    weight: z.number().int().min(1).max(10000).optional().meta({ format: "int32" }),
  }),
  [
    {
      message: "cannot set both 'price' and 'priceAdjustment'",
      rule: "!has(self.price) || !has(self.priceAdjustment)",
      check: (s) => s.price === undefined || s.priceAdjustment === undefined,
    },
  ],
);
export type NodeOverlaySpec = z.infer<typeof NodeOverlaySpecSchema>;

export const NodeOverlayStatusSchema = z.object({
  conditions: z.array(ConditionSchema).optional(),
});

export const NodeOverlaySchema = z.object({
  apiVersion: z.literal("karpenter.sh/v1alpha1"),
  kind: z.literal("NodeOverlay"),
  metadata: ObjectMetaSchema,
  spec: NodeOverlaySpecSchema,
  status: NodeOverlayStatusSchema.optional(),
});
export type NodeOverlay = z.infer<typeof NodeOverlaySchema>;
export type NodeOverlayInput = z.input<typeof NodeOverlaySchema>;
