import type { V1DaemonSet, V1Pod, V1Taint } from "@kubernetes/client-node";
import type { ResourceList } from "../core/types.js";
import { podRequests } from "./podrequests.js";
import type { Requirements } from "../core/requirements.js";
import { firstUntolerated } from "./taints.js";
import { WellKnownLabels } from "./wellknown.js";
import { requiredAlternatives } from "./podconstraints.js";
import { rejectedInput } from "./rejected.js";
import type { RejectedInput } from "./types.js";

/** A daemonset's pod as the scheduler sees it: its requests and where it may run. */
export interface DaemonPod {
  name: string;
  pod: V1Pod;
  requests: ResourceList;
  /** ORed requirement sets from nodeSelector and required node affinity. */
  alternatives: Requirements[];
}

/**
 * The daemonsets' pods. A daemonset whose template cannot be read (kube would not have admitted
 * it) is passed to `onRejected` and left out, or throws when no callback is given.
 */
export function daemonPods(daemonSets: readonly V1DaemonSet[], onRejected?: (r: RejectedInput) => void): DaemonPod[] {
  const out: DaemonPod[] = [];
  for (const ds of daemonSets) {
    const name = `${ds.metadata?.namespace ?? "default"}/${ds.metadata?.name ?? ""}`;
    const pod: V1Pod = { metadata: { ...ds.spec?.template.metadata, namespace: ds.metadata?.namespace }, spec: ds.spec?.template.spec ?? { containers: [] } };
    try {
      out.push({ name, pod, requests: podRequests(pod), alternatives: requiredAlternatives(pod) });
    } catch (e) {
      const rejected = rejectedInput("DaemonSet", name, e, "spec.template");
      if (!onRejected) throw new Error(`daemonset ${name}: ${rejected.message}`);
      onRejected(rejected);
    }
  }
  return out;
}

/**
 * Whether the daemonset would run a pod on a node with these taints and requirements (a NodePool's
 * template ∩ one instance type): it must tolerate the NoSchedule/NoExecute taints (a daemon pod never
 * honours PreferNoSchedule, as Karpenter assumes) and one of its node affinity alternatives must be
 * compatible. Startup taints are not considered: they are removed once the node is ready.
 */
export function daemonRunsOn(d: DaemonPod, taints: readonly V1Taint[], node: Requirements): boolean {
  if (firstUntolerated(taints, d.pod.spec?.tolerations ?? [], true)) return false;
  return d.alternatives.some((alt) => node.compatible(alt, WellKnownLabels) === undefined);
}

/**
 * Whether the daemonset runs on every node with these taints and requirements, whatever values its
 * labels end up with (which zone, which capacity type …). The lower bound counts only these: a
 * daemonset that may or may not run there must not be assumed to take room.
 */
export function daemonSurelyRunsOn(d: DaemonPod, taints: readonly V1Taint[], node: Requirements): boolean {
  if (firstUntolerated(taints, d.pod.spec?.tolerations ?? [], true)) return false;
  return d.alternatives.some((alt) => {
    for (const r of alt.values()) {
      const n = node.get(r.key);
      if (r.operator === "Exists" && (WellKnownLabels.has(r.key) || (n !== undefined && (n.complement || n.values.size > 0)))) continue;
      if (n === undefined) {
        if (WellKnownLabels.has(r.key) || !r.allowsAbsence) return false;
        continue;
      }
      if (n.complement || n.values.size === 0) return false;
      for (const v of n.values) if (!r.has(v)) return false;
    }
    return true;
  });
}
