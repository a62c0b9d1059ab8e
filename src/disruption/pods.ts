// Pure facts about pods as disruption sees them, with Karpenter's meanings: which pods count as
// running, which must move when their node goes, which the drain would evict, and which block a
// voluntary disruption by asking not to be disrupted.
import type { V1Pod } from "@kubernetes/client-node";
import { type Selector, compileSelector } from "../core/selector.js";
import { HostnameLabel } from "../apis/labels.js";

export { blocksWithDoNotDisrupt, isEvictable, isReschedulable } from "../state/predicates.js";

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
