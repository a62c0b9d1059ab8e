// The writes the NodePool and EC2NodeClass controllers make. Metadata patches are JSON merge
// patches of maps (annotations), which merge with other writers; patches that replace a list
// (finalizers, status conditions) carry the resourceVersion they were computed from, so a
// concurrent writer makes them fail with 409 and the reconciler recomputes from fresh state.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { type KubeClients, isNotFound } from "../../operator/kube.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface CustomResource {
  group: string;
  version: string;
  plural: string;
}

export const NodePools: CustomResource = { group: "karpenter.sh", version: "v1", plural: "nodepools" };
export const NodeClaims: CustomResource = { group: "karpenter.sh", version: "v1", plural: "nodeclaims" };
export const EC2NodeClasses: CustomResource = { group: "karpenter.k8s.aws", version: "v1", plural: "ec2nodeclasses" };

export interface MetadataPatch {
  resourceVersion?: string;
  /** `null` removes a key. */
  annotations?: Record<string, string | null>;
  finalizers?: string[];
}

/** Patches metadata; the object's new resourceVersion, or undefined when the object is gone. */
export async function patchMetadata(kube: KubeClients, resource: CustomResource, name: string, metadata: MetadataPatch): Promise<{ resourceVersion?: string } | undefined> {
  try {
    const res = (await kube.customObjects.patchClusterCustomObject({ ...resource, name, body: { metadata } }, mergePatch)) as { metadata?: { resourceVersion?: string } };
    return { resourceVersion: res.metadata?.resourceVersion };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Patches status (merge patch; pass the resourceVersion when replacing lists). False when gone. */
export async function patchStatus(kube: KubeClients, resource: CustomResource, name: string, resourceVersion: string | undefined, status: Record<string, unknown>): Promise<boolean> {
  try {
    const body = { metadata: resourceVersion ? { resourceVersion } : {}, status };
    await kube.customObjects.patchClusterCustomObjectStatus({ ...resource, name, body }, mergePatch);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The object as the API server has it (unparsed), or undefined. */
export async function getRaw(kube: KubeClients, resource: CustomResource, name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await kube.customObjects.getClusterCustomObject({ ...resource, name })) as Record<string, unknown>;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Names of every object of the kind (for objects the cluster state could not parse). */
export async function listNames(kube: KubeClients, resource: CustomResource): Promise<string[]> {
  const list = (await kube.customObjects.listClusterCustomObject({ ...resource })) as { items?: { metadata?: { name?: string } }[] };
  return (list.items ?? []).map((i) => i.metadata?.name ?? "").filter((n) => n !== "");
}

/**
 * A merge patch that turns `before` into `after` for a flat map: changed and new keys set,
 * removed keys nulled.
 */
export function mapPatch(before: Record<string, unknown> | undefined, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...after };
  for (const k of Object.keys(before ?? {})) if (!(k in after)) out[k] = null;
  return out;
}
