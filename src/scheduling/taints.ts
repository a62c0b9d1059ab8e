import type { V1Taint, V1Toleration } from "@kubernetes/client-node";
import { UnregisteredTaintKey } from "../apis/labels.js";

/** kube's Toleration.ToleratesTaint. */
export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "Equal") {
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

/**
 * The first taint a pod with these tolerations does not tolerate. PreferNoSchedule taints count too
 * (as in Karpenter) until the pod's preferences are relaxed far enough to tolerate them;
 * `ignorePreferNoSchedule` says they have been.
 */
export function firstUntolerated(taints: readonly V1Taint[], tolerations: readonly V1Toleration[], ignorePreferNoSchedule: boolean): V1Taint | undefined {
  for (const taint of taints) {
    if (ignorePreferNoSchedule && taint.effect === "PreferNoSchedule") continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return taint;
  }
  return undefined;
}

export function formatTaint(t: V1Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;
}

/**
 * Taints that come and go with a node's lifecycle and say nothing about what may run there, so a
 * scheduler planning ahead ignores them (Karpenter's KnownEphemeralTaints).
 */
export function isEphemeralTaint(t: V1Taint): boolean {
  switch (t.key) {
    case "node.kubernetes.io/not-ready":
    case "node.kubernetes.io/unreachable":
      return t.effect === "NoSchedule" || t.effect === "NoExecute";
    case "node.cloudprovider.kubernetes.io/uninitialized":
      return t.effect === "NoSchedule";
    case UnregisteredTaintKey:
      return true;
    default:
      return false;
  }
}
