// What kind of pod or object something is, with Karpenter's meanings (core pkg/utils/pod and
// pkg/utils/node), written once: the provisioner, disruption, termination, the garbage collector
// and `tenon simulate` all ask these. Pure: plain objects in, booleans out.
import type { V1Pod, V1Taint } from "@kubernetes/client-node";
import { DisruptedTaintKey } from "../apis/labels.js";
import { doNotDisruptActive } from "./donotdisrupt.js";
import { toleratesTaint } from "../scheduling/taints.js";

type Timestamp = Date | string | null | undefined;
type WithMeta = { metadata?: { deletionTimestamp?: Timestamp } };

/** Milliseconds since the epoch of a Kubernetes timestamp in either form, or undefined. */
export function timeOf(value: Timestamp): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** The object has a deletionTimestamp: finalizers are running, it is on its way out. */
export const isDeleting = (o: WithMeta): boolean => timeOf(o.metadata?.deletionTimestamp) !== undefined;

export const podKey = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;

/** Finished: Succeeded or Failed. Its requests no longer take room. */
export const isTerminal = (pod: V1Pod): boolean => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
/** Being deleted (it may still run through its grace period). */
export const isTerminating = (pod: V1Pod): boolean => isDeleting(pod);
/** Neither finished nor on its way out. */
export const isActive = (pod: V1Pod): boolean => !isTerminal(pod) && !isTerminating(pod);

const ownedBy = (pod: V1Pod, apiVersion: string, kind: string): boolean => (pod.metadata?.ownerReferences ?? []).some((o) => o.apiVersion === apiVersion && o.kind === kind);
export const isOwnedByDaemonSet = (pod: V1Pod): boolean => ownedBy(pod, "apps/v1", "DaemonSet");
export const isOwnedByStatefulSet = (pod: V1Pod): boolean => ownedBy(pod, "apps/v1", "StatefulSet");
/** A static pod's mirror belongs to its node. */
export const isOwnedByNode = (pod: V1Pod): boolean => ownedBy(pod, "v1", "Node") || pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined;

/** An active pod whose karpenter.sh/do-not-disrupt protects its node at `now` blocks voluntary disruption of it. */
export const blocksWithDoNotDisrupt = (pod: V1Pod, now: number): boolean => isActive(pod) && doNotDisruptActive(pod, now);

export const DisruptedNoScheduleTaint: V1Taint = { key: DisruptedTaintKey, effect: "NoSchedule" };
/** Tolerates karpenter.sh/disrupted: it would come straight back, so the drain neither evicts nor waits for it. */
export const toleratesDisruptedTaint = (pod: V1Pod): boolean => (pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, DisruptedNoScheduleTaint));

/**
 * A pod the drain calls the Eviction API for (so a PodDisruptionBudget applies to it): active, not
 * tolerating the disrupted taint, not a mirror pod, not protected by do-not-disrupt at `now` (such
 * a pod blocks the drain until its protection ends or the grace-period deadline deletes it).
 */
export const isEvictable = (pod: V1Pod, now: number): boolean => isActive(pod) && !toleratesDisruptedTaint(pod) && !isOwnedByNode(pod) && !doNotDisruptActive(pod, now);

/** kube-scheduler tried and found no node (PodScheduled with reason Unschedulable). */
export const failedToSchedule = (pod: V1Pod): boolean => (pod.status?.conditions ?? []).some((c) => c.type === "PodScheduled" && c.reason === "Unschedulable");

/**
 * A pending pod the provisioner finds capacity for: not bound, not being preempted into place
 * (a nominated node), unschedulable, active, and not a pod that only runs where it is created.
 */
export function isProvisionable(pod: V1Pod): boolean {
  return !pod.spec?.nodeName && !pod.status?.nominatedNodeName && failedToSchedule(pod) && isActive(pod) && !isOwnedByDaemonSet(pod) && !isOwnedByNode(pod);
}

/**
 * A bound pod that needs a new home when its node goes: active — or a terminating StatefulSet
 * pod, whose replacement can only start once it is gone — and neither a DaemonSet's nor a mirror.
 */
export function isReschedulable(pod: V1Pod): boolean {
  return (isActive(pod) || (isOwnedByStatefulSet(pod) && isTerminating(pod))) && !isOwnedByDaemonSet(pod) && !isOwnedByNode(pod);
}
