// Small facts about NodeClaims, Nodes and Pods as the cluster state holds them (plain JSON, so
// timestamps are strings even where the client's types say Date).
import type { V1Node, V1OwnerReference, V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { CloudProvider } from "../../cloudprovider/types.js";
import type { ObjectReference } from "../../operator/events.js";

export function hasFinalizer(obj: { metadata?: { finalizers?: string[] } }, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

export function nodeClaimRef(claim: NodeClaim): ObjectReference {
  return { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: claim.metadata.name ?? "", ...(claim.metadata.uid ? { uid: claim.metadata.uid } : {}) };
}

export function nodeRef(node: V1Node): ObjectReference {
  return { apiVersion: "v1", kind: "Node", name: node.metadata?.name ?? "", ...(node.metadata?.uid ? { uid: node.metadata.uid } : {}) };
}

export function podRef(pod: V1Pod): ObjectReference {
  return {
    apiVersion: "v1",
    kind: "Pod",
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
    ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
  };
}

/** The status of the node's Ready condition ("True", "False", "Unknown"), or undefined if it has none. */
export function nodeReadyStatus(node: V1Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

/** The owner reference a registered Node carries to its NodeClaim (as Karpenter writes it). */
export function nodeClaimOwnerReference(claim: NodeClaim): V1OwnerReference {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    name: claim.metadata.name ?? "",
    uid: claim.metadata.uid ?? "",
    blockOwnerDeletion: true,
  };
}

/** Every Node whose spec.providerID is the claim's (normally one; more is an invariant violation). */
export function nodesForClaim(nodes: readonly V1Node[], claim: NodeClaim): V1Node[] {
  const providerID = claim.status?.providerID;
  if (!providerID) return [];
  return nodes.filter((n) => n.spec?.providerID === providerID);
}

/** Whether the claim's node class is one this cloud provider launches (other provisioners' claims are left alone). */
export function isManagedClaim(claim: NodeClaim, cloudProvider: Pick<CloudProvider, "getSupportedNodeClasses">): boolean {
  const ref = claim.spec.nodeClassRef;
  return cloudProvider.getSupportedNodeClasses().some((c) => c.group === ref.group && c.kind === ref.kind);
}
