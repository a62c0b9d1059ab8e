// Expands workloads into the pods their controllers would create, so the plan covers them.
// Each function is given the workload's pods already in the input and only adds the missing ones.
import type { V1CronJob, V1Deployment, V1Job, V1PersistentVolumeClaim, V1Pod, V1ReplicaSet, V1StatefulSet } from "@kubernetes/client-node";
import { stableSuffix, stableUID } from "./ids.js";
import { type Owner, ownerReference, podFromTemplate, uidOf } from "./pod-template.js";

type Named = { metadata?: { name?: string; namespace?: string; uid?: string } };

function ownerOf(apiVersion: string, kind: string, obj: Named): Owner {
  const meta = obj.metadata ?? {};
  return { apiVersion, kind, name: meta.name ?? "", namespace: meta.namespace ?? "default", uid: uidOf(kind, meta) };
}

const missing = (desired: number, existing: number): number => Math.max(0, desired - existing);

/*
 * How many pods each expansion below adds, computed without creating any: the simulation checks
 * the total against its cap (limits.ts) before a single pod is built.
 */
export const deploymentPodCount = (d: V1Deployment, existing: readonly V1Pod[]): number => missing(d.spec!.replicas ?? 1, existing.length);
export const replicaSetPodCount = (rs: V1ReplicaSet, existing: readonly V1Pod[]): number => missing(rs.spec!.replicas ?? 1, existing.length);

export function statefulSetPodCount(sts: V1StatefulSet, existing: readonly V1Pod[]): number {
  const name = sts.metadata?.name ?? "";
  const start = sts.spec!.ordinals?.start ?? 0;
  const replicas = sts.spec!.replicas ?? 1;
  const present = new Set(existing.map((p) => p.metadata?.name));
  let inRange = 0;
  for (const podName of present) {
    const ordinal = podName?.startsWith(`${name}-`) ? Number(podName.slice(name.length + 1)) : NaN;
    if (Number.isInteger(ordinal) && ordinal >= start && ordinal < start + replicas && podName === `${name}-${ordinal}`) inRange++;
  }
  return replicas - inRange;
}

/** The pods a Job runs at once: `parallelism` (default 1), no more than its completions, none when suspended. */
export function jobPodCount(job: V1Job, existing: readonly V1Pod[]): number {
  const spec = job.spec!;
  if (spec.suspend === true) return 0;
  const active = Math.min(spec.parallelism ?? 1, spec.completions ?? Number.POSITIVE_INFINITY);
  return missing(active, existing.length);
}

export const cronJobPodCount = (cj: V1CronJob, hasActiveJob: boolean): number =>
  cj.spec!.suspend === true || hasActiveJob ? 0 : jobPodCount({ spec: cj.spec!.jobTemplate.spec }, []);

/**
 * A Deployment's pods, owned (as in a cluster) by its current ReplicaSet `<name>-<pod-template-hash>`;
 * the hash is derived from the template, so a changed template means new pod names.
 */
export function expandDeployment(d: V1Deployment, existing: readonly V1Pod[]): V1Pod[] {
  const deployment = ownerOf("apps/v1", "Deployment", d);
  const hash = stableSuffix(10, JSON.stringify(d.spec!.template));
  const rsName = `${deployment.name}-${hash}`;
  const rs: Owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: rsName, namespace: deployment.namespace, uid: stableUID("ReplicaSet", deployment.namespace, rsName) };
  const count = deploymentPodCount(d, existing);
  return Array.from({ length: count }, (_, i) =>
    podFromTemplate(d.spec!.template, { name: `${rsName}-${stableSuffix(5, rsName, String(i))}`, owner: rs, labels: { "pod-template-hash": hash } }),
  );
}

export function expandReplicaSet(rs: V1ReplicaSet, existing: readonly V1Pod[]): V1Pod[] {
  const owner = ownerOf("apps/v1", "ReplicaSet", rs);
  const count = replicaSetPodCount(rs, existing);
  return Array.from({ length: count }, (_, i) => podFromTemplate(rs.spec!.template!, { name: `${owner.name}-${stableSuffix(5, owner.name, String(i))}`, owner }));
}

export interface StatefulSetPods {
  pods: V1Pod[];
  /** Claims from volumeClaimTemplates that the input does not already hold. */
  claims: V1PersistentVolumeClaim[];
}

/**
 * A StatefulSet's pods `<name>-<ordinal>`, each with its own claims `<template>-<name>-<ordinal>`
 * from the volumeClaimTemplates. A claim already in the input (perhaps bound to a zonal volume) is
 * used as it is; that is what pins a StatefulSet's pods to their volumes' zones.
 */
export function expandStatefulSet(sts: V1StatefulSet, existing: readonly V1Pod[], claimExists: (namespace: string, name: string) => boolean): StatefulSetPods {
  const owner = ownerOf("apps/v1", "StatefulSet", sts);
  const spec = sts.spec!;
  const present = new Set(existing.map((p) => p.metadata?.name));
  const revision = `${owner.name}-${stableSuffix(10, JSON.stringify(spec.template))}`;
  const start = spec.ordinals?.start ?? 0;
  const out: StatefulSetPods = { pods: [], claims: [] };
  for (let ordinal = start; ordinal < start + (spec.replicas ?? 1); ordinal++) {
    const name = `${owner.name}-${ordinal}`;
    if (present.has(name)) continue;
    const pod = podFromTemplate(spec.template, {
      name,
      owner,
      labels: { "statefulset.kubernetes.io/pod-name": name, "apps.kubernetes.io/pod-index": String(ordinal), "controller-revision-hash": revision },
    });
    pod.spec!.hostname = name;
    if (spec.serviceName) pod.spec!.subdomain = spec.serviceName;
    for (const vct of spec.volumeClaimTemplates ?? []) {
      const volumeName = vct.metadata!.name!;
      const claimName = `${volumeName}-${name}`;
      // The controller's volume replaces any template volume of the same name.
      pod.spec!.volumes = [...(pod.spec!.volumes ?? []).filter((v) => v.name !== volumeName), { name: volumeName, persistentVolumeClaim: { claimName } }];
      if (claimExists(owner.namespace, claimName)) continue;
      out.claims.push({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: claimName,
          namespace: owner.namespace,
          uid: stableUID("PersistentVolumeClaim", owner.namespace, claimName),
          labels: { ...(spec.selector?.matchLabels ?? {}), ...(vct.metadata?.labels ?? {}) },
        },
        spec: structuredClone(vct.spec ?? {}),
        status: { phase: "Pending" },
      });
    }
    out.pods.push(pod);
  }
  return out;
}

/**
 * The pods a Job runs at once: `parallelism` (default 1), no more than its completions, none when
 * suspended. Indexed Jobs get their completion index, skipping indexes the input already runs.
 */
export function expandJob(job: V1Job, existing: readonly V1Pod[]): V1Pod[] {
  const owner = ownerOf("batch/v1", "Job", job);
  const spec = job.spec!;
  const count = jobPodCount(job, existing);
  if (count === 0) return [];
  const labels = { "batch.kubernetes.io/controller-uid": owner.uid, "batch.kubernetes.io/job-name": owner.name, "controller-uid": owner.uid, "job-name": owner.name };
  if (spec.completionMode !== "Indexed") {
    return Array.from({ length: count }, (_, i) => podFromTemplate(spec.template, { name: `${owner.name}-${stableSuffix(5, owner.name, String(i))}`, owner, labels }));
  }
  const taken = new Set(existing.map((p) => p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"]));
  const pods: V1Pod[] = [];
  for (let index = 0; pods.length < count && index < (spec.completions ?? Number.POSITIVE_INFINITY); index++) {
    if (taken.has(String(index))) continue;
    const name = `${owner.name}-${index}-${stableSuffix(5, owner.name, String(index))}`;
    pods.push(
      podFromTemplate(spec.template, {
        name,
        owner,
        labels: { ...labels, "batch.kubernetes.io/job-completion-index": String(index) },
        annotations: { "batch.kubernetes.io/job-completion-index": String(index) },
      }),
    );
  }
  return pods;
}

/**
 * One run of a CronJob, as when its schedule fires: the Job from its jobTemplate. The input
 * holding a Job of the CronJob already means a run is under way, and a suspended CronJob runs
 * nothing; both give no pods.
 */
export function expandCronJob(cj: V1CronJob, hasActiveJob: boolean): V1Pod[] {
  if (cj.spec!.suspend === true || hasActiveJob) return [];
  const owner = ownerOf("batch/v1", "CronJob", cj);
  const template = cj.spec!.jobTemplate;
  const job: V1Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      // A real run is named after its scheduled minute; the simulation has no clock, so it says what it is.
      name: `${owner.name}-simulated`,
      namespace: owner.namespace,
      labels: template.metadata?.labels,
      ownerReferences: [ownerReference(owner)],
    },
    spec: template.spec,
  };
  return expandJob(job, []);
}

/** Whether a pod is a DaemonSet's: those are placed by the DaemonSet controller, never by tenon. */
export const isDaemonSetPod = (pod: V1Pod): boolean => (pod.metadata?.ownerReferences ?? []).some((r) => r.kind === "DaemonSet");
