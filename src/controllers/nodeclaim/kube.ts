// The writes the NodeClaim and Node controllers make. Every patch that replaces a list (finalizers,
// taints, conditions) carries the resourceVersion it was computed from, so a concurrent writer
// makes it fail with 409 instead of being silently overwritten; the caller requeues and
// recomputes from fresh state.
import { PatchStrategy, type V1Node, setHeaderOptions } from "@kubernetes/client-node";
import { type NodeClaim, NodeClaimSchema } from "../../apis/nodeclaim.js";
import { type KubeClients, isConflict, isNotFound } from "../../operator/kube.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const nodeClaims = { group: "karpenter.sh", version: "v1", plural: "nodeclaims" } as const;

/** Metadata fields a NodeClaim or Node patch may set. `null` removes a key (JSON merge patch). */
export interface MetadataPatch {
  resourceVersion?: string;
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
  finalizers?: string[];
  ownerReferences?: unknown[];
}

function parseClaim(raw: unknown): NodeClaim {
  return NodeClaimSchema.parse(raw);
}

export async function patchNodeClaim(kube: KubeClients, name: string, metadata: MetadataPatch): Promise<NodeClaim> {
  const raw: unknown = await kube.customObjects.patchClusterCustomObject({ ...nodeClaims, name, body: { metadata } }, mergePatch);
  return parseClaim(raw);
}

/** Writes status (conditions are replaced whole, so pass the resourceVersion they came from). */
export async function patchNodeClaimStatus(kube: KubeClients, name: string, resourceVersion: string | undefined, status: NonNullable<NodeClaim["status"]>): Promise<NodeClaim> {
  const body = { metadata: resourceVersion ? { resourceVersion } : {}, status };
  const raw: unknown = await kube.customObjects.patchClusterCustomObjectStatus({ ...nodeClaims, name, body }, mergePatch);
  return parseClaim(raw);
}

/** Deletes the claim (only this incarnation of it, by UID); true if it was there. */
export async function deleteNodeClaim(kube: KubeClients, claim: NodeClaim): Promise<boolean> {
  try {
    await kube.customObjects.deleteClusterCustomObject({
      ...nodeClaims,
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
