// Pure: how a terminating node is drained, as Karpenter drains it. Pods leave in groups —
// non-critical pods before critical ones and, within each, workload pods before DaemonSet pods
// (so daemons such as log shippers outlive the workloads they serve) — one group at a time; a
// group is done when none of its pods is still waiting to leave. Once the NodeClaim's
// terminationGracePeriod deadline approaches, pods are deleted directly, each early enough to get
// its whole terminationGracePeriodSeconds before the deadline.
import type { V1Pod } from "@kubernetes/client-node";
import { isEvictable, isOwnedByDaemonSet, isOwnedByNode, isTerminal, isTerminating, timeOf, toleratesDisruptedTaint } from "../../../state/predicates.js";

export { DisruptedNoScheduleTaint, isEvictable } from "../../../state/predicates.js";

/** A terminating pod still there this long past its deletion deadline is considered stuck and no longer waited for. */
export const stuckTerminatingMs = 60_000;

const criticalPriorityClasses = new Set(["system-cluster-critical", "system-node-critical"]);

export const isCritical = (pod: V1Pod): boolean => criticalPriorityClasses.has(pod.spec?.priorityClassName ?? "");

/** The pod's deletionTimestamp (when its grace period runs out) is more than a minute past. */
export function isStuckTerminating(pod: V1Pod, now: number): boolean {
  const deletion = timeOf(pod.metadata?.deletionTimestamp);
  return deletion !== undefined && now - deletion > stuckTerminatingMs;
}

/**
 * Pods the drain has to see gone: not those that tolerate the disrupted taint (they would come
 * straight back), mirror pods, or pods stuck terminating.
 */
export function isDrainable(pod: V1Pod, now: number): boolean {
  return !toleratesDisruptedTaint(pod) && !isStuckTerminating(pod, now) && !isOwnedByNode(pod);
}

export function isWaitingEviction(pod: V1Pod, now: number): boolean {
  return !isTerminal(pod) && isDrainable(pod, now);
}

/** Karpenter's drain order: non-critical workloads, non-critical daemons, critical workloads, critical daemons. */
export function drainGroups(pods: readonly V1Pod[]): [V1Pod[], V1Pod[], V1Pod[], V1Pod[]] {
  const groups: [V1Pod[], V1Pod[], V1Pod[], V1Pod[]] = [[], [], [], []];
  for (const pod of pods) groups[(isCritical(pod) ? 2 : 0) + (isOwnedByDaemonSet(pod) ? 1 : 0)]!.push(pod);
  return groups;
}

/**
 * When a pod must be deleted so that its own terminationGracePeriodSeconds ends by the node's
 * deadline: deadline − its grace. Undefined without a deadline.
 */
export function podDeleteTime(pod: V1Pod, deadline: number | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  return deadline - (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
}

export interface PodDeletion {
  pod: V1Pod;
  /** The grace to delete with: what is left until the deadline, never more. */
  gracePeriodSeconds: number;
}

export interface DrainPlan {
  /** Pods to delete now, bypassing PDBs and do-not-disrupt, because the deadline is near. */
  deletions: PodDeletion[];
  /** Pods to evict now: the evictable pods of the first group that still has pods waiting. */
  evictions: V1Pod[];
  /** Pods the drain still waits for; the node is drained when this is empty. */
  waiting: V1Pod[];
  /** When the next pod falls due for deletion (ms since epoch), if one will. */
  nextDeletionAt?: number;
}

export function drainPlan(pods: readonly V1Pod[], now: number, deadline: number | undefined): DrainPlan {
  const waiting = pods.filter((p) => isWaitingEviction(p, now));
  const deletions: PodDeletion[] = [];
  let nextDeletionAt: number | undefined;
  if (deadline !== undefined) {
    for (const pod of waiting) {
      if (isTerminating(pod)) continue;
      const at = podDeleteTime(pod, deadline)!;
      if (now > at) deletions.push({ pod, gracePeriodSeconds: Math.max(0, Math.floor((deadline - now) / 1000)) });
      else nextDeletionAt = Math.min(nextDeletionAt ?? at, at);
    }
  }
  const deleting = new Set(deletions.map((d) => d.pod));
  const group = drainGroups(waiting).find((g) => g.length > 0) ?? [];
  return { deletions, evictions: group.filter((p) => isEvictable(p, now) && !deleting.has(p)), waiting, ...(nextDeletionAt !== undefined ? { nextDeletionAt } : {}) };
}
