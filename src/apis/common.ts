import { z } from "zod";
import {
  AWSInstanceLabels,
  AWSLaunchLabels,
  CapacityTypeLabel,
  EC2NodeClassLabel,
  HostnameLabel,
  KubernetesWellKnownLabels,
  NodePoolLabel,
} from "./labels.js";
import { isQuantity } from "../core/quantity.js";
import { RequirementOperators } from "../core/types.js";
import { type CelRule, labelDomain, withRules } from "./rules.js";

export const QualifiedNamePattern = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\\/))?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";
export const LabelValuePattern = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
export const QuantityPattern = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
/** A duration that may be "Never" (expireAfter, consolidateAfter). */
export const NillableDurationPattern = "^(([0-9]+(s|m|h))+)|(Never)$";
export const DurationPattern = "^([0-9]+(s|m|h))+$";

/** Kubernetes ObjectMeta: kept as it is, since the API server owns most of it. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string() })).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

/**
 * A quantity string as the CRDs admit it (Kubernetes' quantity pattern), which tenon then reads as
 * resource.ParseQuantity does: the pattern lets through text such as "1e1.5" that no component can
 * read, so that is refused here, naming the field, instead of failing later in the solver.
 */
export const QuantityStringSchema = z
  .string()
  .regex(new RegExp(QuantityPattern), "must be a Kubernetes quantity such as 500m, 2, 4Gi")
  .refine(isQuantity, { message: "is not a quantity Kubernetes can read (resource.ParseQuantity refuses it: an exponent must be a whole number, e.g. 1e3)", abort: true });

/** A Kubernetes resource quantity: an integer or a string like "500m", "4Gi". */
export const QuantitySchema = z
  .union([z.number().int(), QuantityStringSchema], {
    // Say what is wrong with the text, not that neither branch of the union took it.
    error: (issue) => {
      if (typeof issue.input !== "string") return "must be an integer or a quantity string such as 500m, 2, 4Gi";
      const parsed = QuantityStringSchema.safeParse(issue.input);
      return parsed.error?.issues[0]?.message ?? "must be a Kubernetes quantity such as 500m, 2, 4Gi";
    },
  })
  .meta({ "x-kubernetes-int-or-string": true, pattern: QuantityPattern });
export type Quantity = z.infer<typeof QuantitySchema>;
export const ResourceListSchema = z.record(z.string(), QuantitySchema);
export type ResourceListSpec = z.infer<typeof ResourceListSchema>;

export const ConditionSchema = z.object({
  type: z.string().max(316).regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/),
  status: z.enum(["True", "False", "Unknown"]),
  lastTransitionTime: z.string().meta({ format: "date-time" }),
  reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

export const TaintSchema = z.object({
  key: z.string().min(1).regex(new RegExp(QualifiedNamePattern)),
  value: z.string().regex(new RegExp(QualifiedNamePattern)).optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
  timeAdded: z.string().meta({ format: "date-time" }).optional(),
});
export type Taint = z.infer<typeof TaintSchema>;

export const NodeClassReferenceSchema = z.object({
  group: withRules(z.string().regex(/^[^/]*$/), [{ rule: "self != ''", message: "group may not be empty", check: (s) => s !== "" }]),
  kind: withRules(z.string(), [{ rule: "self != ''", message: "kind may not be empty", check: (s) => s !== "" }]),
  name: withRules(z.string(), [{ rule: "self != ''", message: "name may not be empty", check: (s) => s !== "" }]),
});
export type NodeClassReference = z.infer<typeof NodeClassReferenceSchema>;

const quoted = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(", ");
const domainOf = (v: string): string => `${v}.find("^([^/]+)")`;

/**
 * The label keys a user may not set or constrain, the same rules Karpenter's CRDs enforce.
 * `subject` is the CEL expression for one key ("self" for a requirement key, "x" inside a map's all()).
 */
function restrictedKeyRules(subject: string, opts: { allowNodePool: boolean; allowNodeClass: boolean; allowInstanceType: boolean }) {
  const k8sAllowed = KubernetesWellKnownLabels.filter((l) => opts.allowInstanceType || l !== "node.kubernetes.io/instance-type");
  const karpenterAllowed = [CapacityTypeLabel, NodePoolLabel];
  const awsAllowed = [...(opts.allowNodeClass ? [EC2NodeClassLabel] : []), ...AWSLaunchLabels, ...AWSInstanceLabels];
  const d = domainOf(subject);
  const rules: { rule: string; message: string; ok: (key: string) => boolean }[] = [
    {
      message: 'label domain "kubernetes.io" is restricted',
      rule: `${subject} in [${quoted(k8sAllowed)}] || ${d}.endsWith("node.kubernetes.io") || ${d}.endsWith("node-restriction.kubernetes.io") || !${d}.endsWith("kubernetes.io")`,
      ok: (k) => (k8sAllowed as string[]).includes(k) || labelDomain(k).endsWith("node.kubernetes.io") || labelDomain(k).endsWith("node-restriction.kubernetes.io") || !labelDomain(k).endsWith("kubernetes.io"),
    },
    {
      message: 'label domain "k8s.io" is restricted',
      rule: `${d}.endsWith("kops.k8s.io") || !${d}.endsWith("k8s.io")`,
      ok: (k) => labelDomain(k).endsWith("kops.k8s.io") || !labelDomain(k).endsWith("k8s.io"),
    },
    {
      message: 'label domain "karpenter.sh" is restricted',
      rule: `${subject} in [${quoted(karpenterAllowed)}] || !${d}.endsWith("karpenter.sh")`,
      ok: (k) => karpenterAllowed.includes(k) || !labelDomain(k).endsWith("karpenter.sh"),
    },
  ];
  if (!opts.allowNodePool) {
    rules.push({ message: `label "${NodePoolLabel}" is restricted`, rule: `${subject} != "${NodePoolLabel}"`, ok: (k) => k !== NodePoolLabel });
  }
  rules.push(
    { message: `label "${HostnameLabel}" is restricted`, rule: `${subject} != "${HostnameLabel}"`, ok: (k) => k !== HostnameLabel },
    {
      message: 'label domain "karpenter.k8s.aws" is restricted',
      rule: `${subject} in [${quoted(awsAllowed)}] || !${d}.endsWith("karpenter.k8s.aws")`,
      ok: (k) => (awsAllowed as string[]).includes(k) || !labelDomain(k).endsWith("karpenter.k8s.aws"),
    },
  );
  return rules;
}

/** Rules for one requirement key (a NodePool's or a NodeClaim's). */
export function requirementKeyRules(opts: { allowNodePool: boolean }): CelRule<string>[] {
  return restrictedKeyRules("self", { ...opts, allowNodeClass: false, allowInstanceType: true }).map((r) => ({
    rule: r.rule,
    message: r.message,
    check: r.ok,
  }));
}

/** Rules for a map of labels (NodePool template labels). */
export function labelMapRules(): CelRule<Record<string, string>>[] {
  return restrictedKeyRules("x", { allowNodePool: false, allowNodeClass: true, allowInstanceType: false }).map((r) => ({
    rule: `self.all(x, ${r.rule})`,
    message: r.message,
    check: (labels) => Object.keys(labels).every(r.ok),
  }));
}

export { RequirementOperators, type RequirementOperator } from "../core/types.js";

export function requirementSchema(opts: { allowNodePool: boolean }) {
  return z.object({
    key: withRules(z.string().max(316).regex(new RegExp(QualifiedNamePattern), "must be a qualified label key"), requirementKeyRules(opts)),
    operator: z.enum(RequirementOperators),
    values: z.array(z.string().max(63).regex(new RegExp(LabelValuePattern), "must be a valid label value")).optional().meta({ "x-kubernetes-list-type": "atomic" }),
    minValues: z.number().int().min(1).max(50).optional(),
  });
}

const isNonNegativeInt = (v: string | undefined): boolean => v !== undefined && /^[0-9]+$/.test(v);
const isBound = (op: string): boolean => op === "Gt" || op === "Lt" || op === "Gte" || op === "Lte";

type Req = { operator: string; values?: string[] | undefined; minValues?: number | undefined };
/** Rules over a list of requirements, as Karpenter's CRDs state them. */
export function requirementListRules<T extends Req>(): CelRule<T[]>[] {
  return [
    {
      message: "requirements with operator 'In' must have a value defined",
      rule: "self.all(x, x.operator == 'In' ? (has(x.values) && x.values.size() != 0) : true)",
      check: (rs) => rs.every((r) => r.operator !== "In" || (r.values ?? []).length > 0),
    },
    {
      message: "requirements with operator 'NotIn' must have a value defined",
      rule: "self.all(x, x.operator == 'NotIn' ? (has(x.values) && x.values.size() != 0) : true)",
      check: (rs) => rs.every((r) => r.operator !== "NotIn" || (r.values ?? []).length > 0),
    },
    {
      message: "requirements with operator 'Exists' or 'DoesNotExist' must not have values",
      rule: "self.all(x, (x.operator == 'Exists' || x.operator == 'DoesNotExist') ? (!has(x.values) || x.values.size() == 0) : true)",
      check: (rs) => rs.every((r) => (r.operator !== "Exists" && r.operator !== "DoesNotExist") || (r.values ?? []).length === 0),
    },
    {
      message: "requirements operator 'Gt', 'Lt', 'Gte', or 'Lte' must have a single positive integer value",
      rule: "self.all(x, (x.operator == 'Gt' || x.operator == 'Lt' || x.operator == 'Gte' || x.operator == 'Lte') ? (has(x.values) && x.values.size() == 1 && x.values[0].matches('^[0-9]+$')) : true)",
      check: (rs) => rs.every((r) => !isBound(r.operator) || ((r.values ?? []).length === 1 && isNonNegativeInt(r.values?.[0]))),
    },
    {
      message: "requirements with 'minValues' must have at least that many values specified in the 'values' field",
      rule: "self.all(x, (x.operator == 'In' && has(x.minValues)) ? (has(x.values) && x.values.size() >= x.minValues) : true)",
      check: (rs) => rs.every((r) => !(r.operator === "In" && r.minValues !== undefined) || (r.values ?? []).length >= r.minValues!),
    },
  ];
}
