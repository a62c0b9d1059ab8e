// Pure facts about pods as disruption sees them, with Karpenter's meanings: which pods count as
// running, which must move when their node goes, which the drain would evict, and which block a
// voluntary disruption by asking not to be disrupted.
import type { V1Pod, V1Taint } from "@kubernetes/client-node";
import { DisruptedTaintKey, DoNotDisruptAnnotation } from "../apis/labels.js";
import { type Selector, compileSelector } from "../core/selector.js";
import { toleratesTaint } from "../scheduling/taints.js";
import { HostnameLabel } from "../apis/labels.js";

const DisruptedNoSchedule: V1Taint = { key: DisruptedTaintKey, effect: "NoSchedule" };

const ownedBy = (pod: V1Pod, apiVersion: string, kind: string): boolean =>
  (pod.metadata?.ownerReferences ?? []).some((o) => o.apiVersion === apiVersion && o.kind === kind);

export const podKey = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
export const isTerminal = (pod: V1Pod): boolean => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
export const isTerminating = (pod: V1Pod): boolean => pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
/** Neither finished nor on its way out. */
export const isActive = (pod: V1Pod): boolean => !isTerminal(pod) && !isTerminating(pod);
export const isOwnedByDaemonSet = (pod: V1Pod): boolean => ownedBy(pod, "apps/v1", "DaemonSet");
export const isOwnedByStatefulSet = (pod: V1Pod): boolean => ownedBy(pod, "apps/v1", "StatefulSet");
/** Static pods' mirrors belong to their node. */
export const isOwnedByNode = (pod: V1Pod): boolean => ownedBy(pod, "v1", "Node") || pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined;
export const hasDoNotDisrupt = (pod: V1Pod): boolean => pod.metadata?.annotations?.[DoNotDisruptAnnotation] === "true";
export const toleratesDisruptedTaint = (pod: V1Pod): boolean => (pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, DisruptedNoSchedule));

/**
 * A pod that needs a new home when its node goes: active (or a terminating StatefulSet pod, whose
 * replacement can only start once it is gone), not a DaemonSet's, not a mirror pod.
 */
export function isReschedulable(pod: V1Pod): boolean {
  return (isActive(pod) || (isOwnedByStatefulSet(pod) && isTerminating(pod))) && !isOwnedByDaemonSet(pod) && !isOwnedByNode(pod);
}

/** A pod the drain would call the Eviction API for (so a PodDisruptionBudget applies to it). */
export function isEvictable(pod: V1Pod): boolean {
  return isActive(pod) && !toleratesDisruptedTaint(pod) && !isOwnedByNode(pod) && !hasDoNotDisrupt(pod);
}

/** An active pod that asks not to be disrupted blocks voluntary disruption of its node. */
export function blocksWithDoNotDisrupt(pod: V1Pod): boolean {
  return isActive(pod) && hasDoNotDisrupt(pod);
}

/** A pending pod kube-scheduler gave up on, which the provisioner will find capacity for. */
export function isProvisionable(pod: V1Pod): boolean {
  return (
    !pod.spec?.nodeName &&
    !pod.status?.nominatedNodeName &&
    (pod.status?.conditions ?? []).some((c) => c.type === "PodScheduled" && c.reason === "Unschedulable") &&
    isActive(pod) &&
    !isOwnedByDaemonSet(pod) &&
    !isOwnedByNode(pod)
  );
}

/**
 * What evicting the pod costs, as Karpenter weighs it: 1, moved by the pod's deletion cost
 * annotation and its priority, clamped to [-10, 10].
 */
export function evictionCost(pod: V1Pod): number {
  let cost = 1;
  const deletionCost = pod.metadata?.annotations?.["controller.kubernetes.io/pod-deletion-cost"];
  if (deletionCost !== undefined) {
    const v = Number(deletionCost);
    if (Number.isFinite(v)) cost += v / 2 ** 27;
  }
  if (typeof pod.spec?.priority === "number") cost += pod.spec.priority / 2 ** 25;
  return Math.min(10, Math.max(-10, cost));
}

/** Whether scheduling the pod depends on where other pods are (spread, pod affinity or anti-affinity). */
export function hasPodTopology(pod: V1Pod): boolean {
  const a = pod.spec?.affinity;
  return (
    (pod.spec?.topologySpreadConstraints ?? []).length > 0 ||
    (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0 ||
    (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0 ||
    (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0 ||
    (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0
  );
}

/** Required anti-affinity terms of a bound pod (they keep matching pods away from its domain). */
export function requiredAntiAffinityKeys(pod: V1Pod): string[] {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => t.topologyKey);
}

export const hasHostPorts = (pod: V1Pod): boolean =>
  [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) > 0));

export const podName = (pod: V1Pod): string => `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;

/**
 * The label selectors of the pod's spread constraints and pod (anti-)affinity terms: the pods
 * they match are the ones whose places matter for scheduling it. matchLabelKeys and namespaces
 * are left out, so this matches a superset.
 */
export function topologySelectors(pod: V1Pod): Selector[] {
  const out: Selector[] = [];
  for (const c of pod.spec?.topologySpreadConstraints ?? []) out.push(compileSelector(c.labelSelector));
  const a = pod.spec?.affinity;
  for (const t of [...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])]) out.push(compileSelector(t.labelSelector));
  for (const w of [...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []), ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])]) out.push(compileSelector(w.podAffinityTerm.labelSelector));
  return out;
}

/** A spread over hostnames balances against every node in the cluster. */
export const hostnameSpread = (pod: V1Pod): boolean => (pod.spec?.topologySpreadConstraints ?? []).some((c) => c.topologyKey === HostnameLabel);
