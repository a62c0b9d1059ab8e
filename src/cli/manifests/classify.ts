// Validates each object against the schema for its kind and sorts the objects by kind. NodePools
// and EC2NodeClasses go through the API's own zod schemas, strictly (unknown fields are errors, as
// with kubectl --validate=strict); core kinds through the partial schemas in kube-schemas.ts.
import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodTemplate,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1StatefulSet,
  V1StorageClass,
} from "@kubernetes/client-node";
import type { z } from "zod";
import { EC2NodeClassSchema, type EC2NodeClass } from "../../apis/ec2nodeclass.js";
import { NodePoolSchema, type NodePool } from "../../apis/nodepool.js";
import { NodeOverlaySchema, type NodeOverlay } from "../../apis/nodeoverlay.js";
import { CapacityBufferSchema, type CapacityBuffer } from "../../apis/capacitybuffer.js";
import { NodeClaimSchema, type NodeClaim } from "../../apis/nodeclaim.js";
import { ValidationError, formatPath } from "../../apis/parse.js";
import { InputErrors, type InputProblem, ManifestError } from "./errors.js";
import type { Manifest } from "./documents.js";
import {
  CronJobSchema,
  DaemonSetSchema,
  DeploymentSchema,
  JobSchema,
  NodeSchema,
  PersistentVolumeClaimSchema,
  PersistentVolumeSchema,
  PodDisruptionBudgetSchema,
  PodSchema,
  PodTemplateObjectSchema,
  ReplicaSetSchema,
  StatefulSetSchema,
  StorageClassSchema,
} from "./kube-schemas.js";
import { apiRules } from "./rules/index.js";
import { unknownFields } from "./unknown-fields.js";
import { quote } from "../safe-text.js";

/** Everything the simulation reads, validated and sorted by kind. */
export interface ManifestSet {
  nodePools: NodePool[];
  nodeClasses: EC2NodeClass[];
  /** NodeOverlays: applied to every NodePool's instance types, as the controller does with the NodeOverlay gate on. */
  nodeOverlays: NodeOverlay[];
  /** CapacityBuffers: their room is planned as the controller does with the CapacityBuffer gate on. */
  capacityBuffers: CapacityBuffer[];
  /** PodTemplates, for the buffers' podTemplateRef. */
  podTemplates: V1PodTemplate[];
  /** NodeClaims of a cluster snapshot (`kubectl get nodeclaims -o yaml`): capacity launched or on its way. */
  nodeClaims: NodeClaim[];
  pods: V1Pod[];
  deployments: V1Deployment[];
  replicaSets: V1ReplicaSet[];
  statefulSets: V1StatefulSet[];
  jobs: V1Job[];
  cronJobs: V1CronJob[];
  daemonSets: V1DaemonSet[];
  nodes: V1Node[];
  claims: V1PersistentVolumeClaim[];
  volumes: V1PersistentVolume[];
  storageClasses: V1StorageClass[];
  /** Read by the disruption plan only. */
  pdbs: V1PodDisruptionBudget[];
  /** Where each object came from, for messages about it later (a NodePool's missing node class …). */
  sources: Map<object, string>;
  warnings: string[];
}

export const emptyManifestSet = (): ManifestSet => ({
  nodePools: [],
  nodeClasses: [],
  nodeOverlays: [],
  capacityBuffers: [],
  podTemplates: [],
  nodeClaims: [],
  pods: [],
  deployments: [],
  replicaSets: [],
  statefulSets: [],
  jobs: [],
  cronJobs: [],
  daemonSets: [],
  nodes: [],
  claims: [],
  volumes: [],
  storageClasses: [],
  pdbs: [],
  sources: new Map(),
  warnings: [],
});

/** zod's words for a missing field ("expected object, received undefined") say what to do less plainly than this. */
function issueMessage(message: string): string {
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(message);
  if (missing) return `required field is missing (expected ${missing[1]})`;
  // YAML 1.1, as kubectl reads it, makes unquoted yes/no/on/off/true/false booleans.
  if (/expected string, received boolean$/.test(message)) return `${message} (YAML reads unquoted yes, no, on, off, true and false as booleans, as kubectl does: quote the value)`;
  return message;
}

/** Kinds that are cluster-scoped; the rest are namespaced, so two objects of one name in two namespaces differ. */
const clusterScoped = new Set(["NodePool", "EC2NodeClass", "NodeOverlay", "NodeClaim", "Node", "PersistentVolume", "StorageClass"]);

/**
 * How messages name an object: its kind, and "namespace/name" for namespaced kinds (the namespace
 * is "default" when the manifest gives none), quoted and safe for a terminal.
 */
export function objectRef(kind: string, obj: unknown): string {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = meta?.name;
  if (typeof name !== "string") return `${kind} (unnamed)`;
  const namespace = typeof meta?.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  return `${kind} ${quote(clusterScoped.has(kind) ? name : `${namespace}/${name}`)}`;
}

/**
 * Parses (applying defaults) or throws a ValidationError naming the file, the object and every bad
 * field. `strict` also rejects fields the schema does not define: used for tenon's own kinds, whose
 * schemas are complete; the core kinds' schemas only cover what the simulation reads. Once the
 * shape is right, the API server's value rules run on the object as written.
 */
function validate<S extends z.ZodType>(schema: S, kind: string, obj: unknown, source: string, strict: boolean): z.output<S> {
  const result = schema.safeParse(obj);
  const issues = [
    ...(strict ? unknownFields(schema, obj).map((path) => ({ path, message: "unknown field (check its spelling and indentation)" })) : []),
    ...(result.success ? [] : result.error.issues.map((i) => ({ path: formatPath(i.path), message: issueMessage(i.message) }))),
  ];
  if (issues.length === 0) issues.push(...apiRules(kind, obj, !clusterScoped.has(kind)));
  if (issues.length > 0 || !result.success) throw new ValidationError(`${source}: ${objectRef(kind, obj)}`, issues);
  return result.data;
}

const strict = <T>(schema: z.ZodType, kind: string, obj: unknown, source: string): T => validate(schema, kind, obj, source, true) as T;
/** The parsed object, typed as the Kubernetes client's model: checked where the simulation reads it, passed through elsewhere. */
const loose = <T>(schema: z.ZodType, kind: string, obj: unknown, source: string): T => validate(schema, kind, obj, source, false) as T;

type Handler = (set: ManifestSet, obj: unknown, source: string) => object;
// A Map, not an object: a manifest's kind is data, and `kind: constructor` must find nothing.
const handlers = new Map<string, Handler>(Object.entries({
  NodePool: (s, o, src) => push(s.nodePools, strict<NodePool>(NodePoolSchema, "NodePool", o, src)),
  EC2NodeClass: (s, o, src) => push(s.nodeClasses, strict<EC2NodeClass>(EC2NodeClassSchema, "EC2NodeClass", o, src)),
  NodeOverlay: (s, o, src) => push(s.nodeOverlays, strict<NodeOverlay>(NodeOverlaySchema, "NodeOverlay", o, src)),
  CapacityBuffer: (s, o, src) => push(s.capacityBuffers, strict<CapacityBuffer>(CapacityBufferSchema, "CapacityBuffer", o, src)),
  PodTemplate: (s, o, src) => push(s.podTemplates, loose<V1PodTemplate>(PodTemplateObjectSchema, "PodTemplate", o, src)),
  NodeClaim: (s, o, src) => push(s.nodeClaims, strict<NodeClaim>(NodeClaimSchema, "NodeClaim", o, src)),
  Pod: (s, o, src) => push(s.pods, loose<V1Pod>(PodSchema, "Pod", o, src)),
  Deployment: (s, o, src) => push(s.deployments, loose<V1Deployment>(DeploymentSchema, "Deployment", o, src)),
  ReplicaSet: (s, o, src) => push(s.replicaSets, loose<V1ReplicaSet>(ReplicaSetSchema, "ReplicaSet", o, src)),
  StatefulSet: (s, o, src) => push(s.statefulSets, loose<V1StatefulSet>(StatefulSetSchema, "StatefulSet", o, src)),
  Job: (s, o, src) => push(s.jobs, loose<V1Job>(JobSchema, "Job", o, src)),
  CronJob: (s, o, src) => push(s.cronJobs, loose<V1CronJob>(CronJobSchema, "CronJob", o, src)),
  DaemonSet: (s, o, src) => push(s.daemonSets, loose<V1DaemonSet>(DaemonSetSchema, "DaemonSet", o, src)),
  Node: (s, o, src) => push(s.nodes, loose<V1Node>(NodeSchema, "Node", o, src)),
  PersistentVolumeClaim: (s, o, src) => push(s.claims, loose<V1PersistentVolumeClaim>(PersistentVolumeClaimSchema, "PersistentVolumeClaim", o, src)),
  PersistentVolume: (s, o, src) => push(s.volumes, loose<V1PersistentVolume>(PersistentVolumeSchema, "PersistentVolume", o, src)),
  StorageClass: (s, o, src) => push(s.storageClasses, loose<V1StorageClass>(StorageClassSchema, "StorageClass", o, src)),
  PodDisruptionBudget: (s, o, src) => push(s.pdbs, loose<V1PodDisruptionBudget>(PodDisruptionBudgetSchema, "PodDisruptionBudget", o, src)),
} satisfies Record<string, Handler>));

function push<T extends object>(list: T[], item: T): T {
  list.push(item);
  return item;
}

/**
 * Validates and sorts the objects. Every invalid object is reported (naming file, object and
 * field) in one InputErrors at the end; kinds the simulation has no use for (Services, ConfigMaps
 * …) are skipped with a warning, so `kubectl get all -o yaml` output can be fed in as it is.
 */
export function classifyManifests(manifests: readonly Manifest[], earlier: readonly InputProblem[] = []): ManifestSet {
  const set = emptyManifestSet();
  const seen = new Map<string, string>();
  const skipped = new Map<string, number>();
  const problems: InputProblem[] = [...earlier];
  for (const { source, object } of manifests) {
    const handler = handlers.get(object.kind);
    if (!handler) {
      skipped.set(object.kind, (skipped.get(object.kind) ?? 0) + 1);
      continue;
    }
    let parsed: object;
    try {
      parsed = handler(set, object, source);
    } catch (err) {
      if (!(err instanceof ValidationError) && !(err instanceof ManifestError)) throw err;
      problems.push({ source, message: err.message, error: err });
      continue;
    }
    set.sources.set(parsed, source);
    const meta = (parsed as { metadata: { name: string; namespace?: string } }).metadata;
    const key = `${object.kind} ${clusterScoped.has(object.kind) ? "" : `${meta.namespace ?? "default"}/`}${meta.name}`;
    const first = seen.get(key);
    // Two definitions of one object would make the plan depend on file order; say so instead.
    if (first !== undefined) problems.push({ source, message: `${source}: ${objectRef(object.kind, parsed)} is defined twice (first in ${first}); remove one of them` });
    else seen.set(key, source);
  }
  if (problems.length === 1 && problems[0]!.error) throw problems[0]!.error;
  if (problems.length > 0) throw new InputErrors(problems);
  for (const [kind, n] of skipped) set.warnings.push(`ignored ${n} ${quote(kind).slice(1, -1)} object${n === 1 ? "" : "s"}: tenon simulate does not use this kind`);
  return set;
}
