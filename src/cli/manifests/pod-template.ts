// Building a Pod from a workload's pod template, the way the workload controllers do.
import type { V1OwnerReference, V1Pod, V1PodTemplateSpec } from "@kubernetes/client-node";
import { stableUID } from "./ids.js";

/** The object a generated pod (or claim) belongs to. */
export interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export function ownerReference(owner: Owner): V1OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

/** The uid a workload has, or a stable one when the manifest was written by hand and has none. */
export function uidOf(kind: string, meta: { name?: string; namespace?: string; uid?: string }): string {
  return meta.uid ?? stableUID(kind, meta.namespace ?? "default", meta.name ?? "");
}

export interface PodParams {
  name: string;
  owner: Owner;
  /** Labels the controller adds on top of the template's (pod-template-hash, job-name …). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A pending pod from a template: the template's labels and annotations plus the controller's, a
 * stable uid and the owner reference. The spec is copied so that pods never share objects.
 */
export function podFromTemplate(template: V1PodTemplateSpec, p: PodParams): V1Pod {
  const labels = { ...(template.metadata?.labels ?? {}), ...(p.labels ?? {}) };
  const annotations = { ...(template.metadata?.annotations ?? {}), ...(p.annotations ?? {}) };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: p.owner.namespace,
      uid: stableUID("Pod", p.owner.namespace, p.name),
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [ownerReference(p.owner)],
    },
    spec: structuredClone(template.spec ?? { containers: [] }),
    status: { phase: "Pending" },
  };
}
