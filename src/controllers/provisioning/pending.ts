// Which pods the provisioner plans capacity for. Karpenter's IsProvisionable: kube-scheduler tried
// and found no node (PodScheduled=False, reason Unschedulable), the pod is not bound, not being
// preempted into place, not on its way out, and not a pod that only ever runs where it is created
// (DaemonSet and static pods). Plus the pods of nodes being deleted, which will need a new home.
import type { V1Pod } from "@kubernetes/client-node";

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

export const isTerminal = (pod: V1Pod): boolean => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
export const isTerminating = (pod: V1Pod): boolean => pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;

export function isOwnedByDaemonSet(pod: V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === "DaemonSet" && o.apiVersion.startsWith("apps/"));
}

/** Static (mirror) pods belong to their node. */
export function isOwnedByNode(pod: V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === "Node" && o.apiVersion === "v1") || pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined;
}

/** kube-scheduler marked the pod unschedulable. */
export function failedToSchedule(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
}

/** A pending pod the provisioner should find capacity for. */
export function isProvisionable(pod: V1Pod): boolean {
  return (
    !pod.spec?.nodeName &&
    // kube-scheduler is preempting lower-priority pods to make room for it on that node.
    !pod.status?.nominatedNodeName &&
    failedToSchedule(pod) &&
    !isTerminal(pod) &&
    !isTerminating(pod) &&
    !isOwnedByDaemonSet(pod) &&
    !isOwnedByNode(pod)
  );
}

/** A pod bound to a node being deleted that will have to run somewhere else. */
export function isReschedulable(pod: V1Pod): boolean {
  return !isTerminal(pod) && !isTerminating(pod) && !isOwnedByDaemonSet(pod) && !isOwnedByNode(pod);
}
