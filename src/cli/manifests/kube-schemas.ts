// Schemas for the core Kubernetes kinds `tenon simulate` reads. They check only the fields the
// simulation depends on (so a typo there is reported, not simulated wrongly) and let every other
// field through untouched: the full core API is the API server's business, not ours.
import { z } from "zod";
import { quantityText } from "./rules/quantities.js";

const LabelMap = z.record(z.string(), z.string());
/**
 * Quantities as strings, the form the Kubernetes client types use, whether YAML said `0.5` or
 * `"500m"`: the API server reads a number as the quantity it spells. Whether the text is a valid
 * quantity is checked by the API rules (rules/quantities.ts), which know the resource.
 */
const ResourceQuantities = z.record(
  z.string(),
  z.union([z.string(), z.number()], { error: "must be a Kubernetes quantity: a string such as 500m, 2 or 1.5Gi, or a finite number" }).transform(quantityText),
);

/** Object metadata of a top-level object: a name is required, since pods and messages are named after it. */
export const KubeMetaSchema = z.looseObject({
  name: z.string().min(1, "must name the object"),
  namespace: z.string().min(1).optional(),
  uid: z.string().optional(),
  labels: LabelMap.optional(),
  annotations: LabelMap.optional(),
  ownerReferences: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string().optional(), controller: z.boolean().optional() })).optional(),
  deletionTimestamp: z.string().nullable().optional(),
});
const TemplateMetaSchema = z.looseObject({ labels: LabelMap.optional(), annotations: LabelMap.optional() });

const ContainerSchema = z.looseObject({
  name: z.string().min(1),
  resources: z.looseObject({ requests: ResourceQuantities.optional(), limits: ResourceQuantities.optional() }).optional(),
});

const NodeSelectorRequirementSchema = z.looseObject({
  key: z.string().min(1),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  values: z.array(z.string()).optional(),
});
export const NodeSelectorTermSchema = z.looseObject({
  matchExpressions: z.array(NodeSelectorRequirementSchema).optional(),
  matchFields: z.array(NodeSelectorRequirementSchema).optional(),
});
const NodeSelectorSchema = z.looseObject({ nodeSelectorTerms: z.array(NodeSelectorTermSchema).min(1) });

const LabelSelectorSchema = z.looseObject({
  matchLabels: LabelMap.optional(),
  matchExpressions: z
    .array(z.looseObject({ key: z.string().min(1), operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]), values: z.array(z.string()).optional() }))
    .optional(),
});
const PodAffinityTermSchema = z.looseObject({
  labelSelector: LabelSelectorSchema.optional(),
  namespaces: z.array(z.string()).optional(),
  namespaceSelector: LabelSelectorSchema.optional(),
  topologyKey: z.string().min(1, "must name a topology key such as topology.kubernetes.io/zone"),
});
const Weight = z.number().int().min(1).max(100);
const PodAffinitySchema = z.looseObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTermSchema).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.looseObject({ weight: Weight, podAffinityTerm: PodAffinityTermSchema })).optional(),
});
const AffinitySchema = z.looseObject({
  nodeAffinity: z
    .looseObject({
      requiredDuringSchedulingIgnoredDuringExecution: NodeSelectorSchema.optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z.array(z.looseObject({ weight: Weight, preference: NodeSelectorTermSchema })).optional(),
    })
    .optional(),
  podAffinity: PodAffinitySchema.optional(),
  podAntiAffinity: PodAffinitySchema.optional(),
});

const TaintEffect = z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]);
const TolerationSchema = z.looseObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  // An empty effect is how the API spells "every effect".
  effect: z.union([TaintEffect, z.literal("")]).optional(),
  tolerationSeconds: z.number().int().optional(),
});
const TopologySpreadConstraintSchema = z.looseObject({
  maxSkew: z.number().int().min(1),
  topologyKey: z.string().min(1),
  whenUnsatisfiable: z.enum(["DoNotSchedule", "ScheduleAnyway"]),
  labelSelector: LabelSelectorSchema.optional(),
  minDomains: z.number().int().min(1).optional(),
  nodeAffinityPolicy: z.enum(["Honor", "Ignore"]).optional(),
  nodeTaintsPolicy: z.enum(["Honor", "Ignore"]).optional(),
  matchLabelKeys: z.array(z.string()).optional(),
});
const VolumeSchema = z.looseObject({
  name: z.string().min(1),
  persistentVolumeClaim: z.looseObject({ claimName: z.string().min(1) }).optional(),
});

export const PodSpecSchema = z.looseObject({
  containers: z.array(ContainerSchema).min(1, "a pod needs at least one container"),
  initContainers: z.array(ContainerSchema).optional(),
  nodeName: z.string().optional(),
  nodeSelector: LabelMap.optional(),
  affinity: AffinitySchema.optional(),
  tolerations: z.array(TolerationSchema).optional(),
  topologySpreadConstraints: z.array(TopologySpreadConstraintSchema).optional(),
  volumes: z.array(VolumeSchema).optional(),
  overhead: ResourceQuantities.optional(),
});
export const PodTemplateSchema = z.looseObject({ metadata: TemplateMetaSchema.optional(), spec: PodSpecSchema });

/** Replica counts are int32 in the API. */
const Replicas = z.number().int().min(0).max(2_147_483_647);
const kind = <K extends string>(apiVersion: string, k: K) => ({ apiVersion: z.literal(apiVersion), kind: z.literal(k), metadata: KubeMetaSchema });

export const PodSchema = z.looseObject({
  ...kind("v1", "Pod"),
  spec: PodSpecSchema,
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});
/** A PodTemplate object (core/v1), as a CapacityBuffer's podTemplateRef names it. */
export const PodTemplateObjectSchema = z.looseObject({ ...kind("v1", "PodTemplate"), template: PodTemplateSchema });
export const DeploymentSchema = z.looseObject({
  ...kind("apps/v1", "Deployment"),
  spec: z.looseObject({ replicas: Replicas.optional(), selector: LabelSelectorSchema.optional(), template: PodTemplateSchema }),
});
export const ReplicaSetSchema = z.looseObject({
  ...kind("apps/v1", "ReplicaSet"),
  spec: z.looseObject({ replicas: Replicas.optional(), selector: LabelSelectorSchema.optional(), template: PodTemplateSchema }),
});
export const StatefulSetSchema = z.looseObject({
  ...kind("apps/v1", "StatefulSet"),
  spec: z.looseObject({
    replicas: Replicas.optional(),
    selector: LabelSelectorSchema.optional(),
    serviceName: z.string().optional(),
    template: PodTemplateSchema,
    volumeClaimTemplates: z.array(z.looseObject({ metadata: z.looseObject({ name: z.string().min(1), labels: LabelMap.optional() }), spec: z.looseObject({ storageClassName: z.string().optional() }) })).optional(),
  }),
});
const JobSpecSchema = z.looseObject({
  parallelism: Replicas.optional(),
  completions: Replicas.optional(),
  completionMode: z.enum(["NonIndexed", "Indexed"]).optional(),
  suspend: z.boolean().optional(),
  template: PodTemplateSchema,
});
export const JobSchema = z.looseObject({ ...kind("batch/v1", "Job"), spec: JobSpecSchema });
export const CronJobSchema = z.looseObject({
  ...kind("batch/v1", "CronJob"),
  spec: z.looseObject({
    schedule: z.string().min(1),
    suspend: z.boolean().optional(),
    jobTemplate: z.looseObject({ metadata: TemplateMetaSchema.optional(), spec: JobSpecSchema }),
  }),
});
export const DaemonSetSchema = z.looseObject({
  ...kind("apps/v1", "DaemonSet"),
  spec: z.looseObject({ selector: LabelSelectorSchema.optional(), template: PodTemplateSchema }),
});

export const NodeSchema = z.looseObject({
  ...kind("v1", "Node"),
  spec: z
    .looseObject({
      taints: z.array(z.looseObject({ key: z.string().min(1), value: z.string().optional(), effect: TaintEffect })).optional(),
      unschedulable: z.boolean().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      allocatable: ResourceQuantities.optional(),
      capacity: ResourceQuantities.optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

export const PersistentVolumeClaimSchema = z.looseObject({
  ...kind("v1", "PersistentVolumeClaim"),
  spec: z.looseObject({ storageClassName: z.string().nullable().optional(), volumeName: z.string().optional() }),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});
export const PersistentVolumeSchema = z.looseObject({
  ...kind("v1", "PersistentVolume"),
  spec: z.looseObject({
    storageClassName: z.string().optional(),
    nodeAffinity: z.looseObject({ required: NodeSelectorSchema.optional() }).optional(),
    claimRef: z.looseObject({ name: z.string().optional(), namespace: z.string().optional() }).optional(),
  }),
});
export const StorageClassSchema = z.looseObject({
  ...kind("storage.k8s.io/v1", "StorageClass"),
  provisioner: z.string().min(1),
  volumeBindingMode: z.enum(["Immediate", "WaitForFirstConsumer"]).optional(),
  allowedTopologies: z.array(z.looseObject({ matchLabelExpressions: z.array(z.looseObject({ key: z.string().min(1), values: z.array(z.string()).min(1) })).optional() })).optional(),
});

/** minAvailable/maxUnavailable: a count or a percentage, as the API server takes them. */
const IntOrPercent = z.union([z.number().int().min(0), z.string().regex(/^[0-9]+%$/)], { error: "must be a number of pods or a percentage such as 50%" });
export const PodDisruptionBudgetSchema = z.looseObject({
  ...kind("policy/v1", "PodDisruptionBudget"),
  spec: z
    .looseObject({ selector: LabelSelectorSchema.nullable().optional(), minAvailable: IntOrPercent.optional(), maxUnavailable: IntOrPercent.optional() })
    .refine((s) => s.minAvailable === undefined || s.maxUnavailable === undefined, { message: "minAvailable and maxUnavailable cannot both be set", path: ["maxUnavailable"] })
    .optional(),
});
