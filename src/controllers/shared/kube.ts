// Every write the controllers make to tenon's custom resources and to Nodes, in one place. Metadata
// patches are JSON merge patches of maps (labels, annotations), which merge with other writers;
// patches that replace a list (finalizers, taints, status conditions) carry the resourceVersion
// they were computed from, so a concurrent writer makes them fail with 409 and the reconciler
// recomputes from fresh state.
import { PatchStrategy, type V1Node, setHeaderOptions } from "@kubernetes/client-node";
import { type NodeClaim, NodeClaimSchema } from "../../apis/nodeclaim.js";
import { type KubeClients, isConflict, isNotFound } from "../../operator/kube.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface CustomResource {
  group: string;
  version: string;
  plural: string;
}

export const NodePools: CustomResource = { group: "karpenter.sh", version: "v1", plural: "nodepools" };
export const NodeClaims: CustomResource = { group: "karpenter.sh", version: "v1", plural: "nodeclaims" };
export const EC2NodeClasses: CustomResource = { group: "karpenter.k8s.aws", version: "v1", plural: "ec2nodeclasses" };

/** Metadata fields a patch may set. `null` removes a key (JSON merge patch). */
export interface MetadataPatch {
  resourceVersion?: string;
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
  finalizers?: string[];
  ownerReferences?: unknown[];
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

export async function patchNodeClaim(kube: KubeClients, name: string, metadata: MetadataPatch): Promise<NodeClaim> {
  const raw: unknown = await kube.customObjects.patchClusterCustomObject({ ...NodeClaims, name, body: { metadata } }, mergePatch);
  return NodeClaimSchema.parse(raw);
}

/** Writes a NodeClaim's status (conditions are replaced whole, so pass the resourceVersion they came from). */
export async function patchNodeClaimStatus(kube: KubeClients, name: string, resourceVersion: string | undefined, status: NonNullable<NodeClaim["status"]>): Promise<NodeClaim> {
  const body = { metadata: resourceVersion ? { resourceVersion } : {}, status };
  const raw: unknown = await kube.customObjects.patchClusterCustomObjectStatus({ ...NodeClaims, name, body }, mergePatch);
  return NodeClaimSchema.parse(raw);
}

/** Deletes the claim (only this incarnation of it, by UID); true if it was there. */
export async function deleteNodeClaim(kube: KubeClients, claim: NodeClaim): Promise<boolean> {
  try {
    await kube.customObjects.deleteClusterCustomObject({
      ...NodeClaims,
      name: claim.metadata.name ?? "",
      ...(claim.metadata.uid ? { body: { preconditions: { uid: claim.metadata.uid } } } : {}),
    });
    return true;
  } catch (err) {
    // 409: a newer claim of the same name; the one we meant is gone.
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
}

export async function patchNode(kube: KubeClients, name: string, body: { metadata?: MetadataPatch; spec?: V1Node["spec"] }): Promise<V1Node> {
  return kube.core.patchNode({ name, body }, mergePatch);
}

/** Deletes the node (this incarnation, by UID); true if it was there. */
export async function deleteNode(kube: KubeClients, node: V1Node): Promise<boolean> {
  try {
    await kube.core.deleteNode({ name: node.metadata?.name ?? "", ...(node.metadata?.uid ? { body: { preconditions: { uid: node.metadata.uid } } } : {}) });
    return true;
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
}
