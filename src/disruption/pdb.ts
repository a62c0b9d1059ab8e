// PodDisruptionBudgets as the drain will meet them. A pod the drain would evict is blocked when a
// budget selecting it allows no disruption right now (status.disruptionsAllowed = 0), unless the
// budget lets unhealthy pods go (unhealthyPodEvictionPolicy: AlwaysAllow) and the pod is not
// Ready; and when more than one budget selects it, since the Eviction API refuses such pods.
import type { V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { type Selector, compileSelector } from "../core/selector.js";
import { isEvictable, podName } from "./pods.js";

interface Budget {
  key: string;
  namespace: string;
  selector: Selector;
  disruptionsAllowed: number;
  alwaysAllowUnhealthy: boolean;
}

export interface PodBlock {
  pod: V1Pod;
  /** namespace/name of the budget(s) at fault. */
  budgets: string[];
  message: string;
}

const notReady = (pod: V1Pod): boolean => (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "False");

export class PdbLimits {
  private readonly byNamespace = new Map<string, Budget[]>();

  /** `now`: when the drain would meet the budgets (a pod's do-not-disrupt duration may have ended by then). */
  constructor(
    pdbs: readonly V1PodDisruptionBudget[],
    private readonly now: number,
  ) {
    for (const p of pdbs) {
      const namespace = p.metadata?.namespace ?? "default";
      const b: Budget = {
        key: `${namespace}/${p.metadata?.name ?? ""}`,
        namespace,
        selector: compileSelector(p.spec?.selector),
        disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
        alwaysAllowUnhealthy: p.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow",
      };
      let list = this.byNamespace.get(namespace);
      if (!list) this.byNamespace.set(namespace, (list = []));
      list.push(b);
    }
  }

  /** The budgets that select the pod. */
  private matching(pod: V1Pod): Budget[] {
    const list = this.byNamespace.get(pod.metadata?.namespace ?? "default");
    if (!list) return [];
    const labels = pod.metadata?.labels ?? {};
    return list.filter((b) => b.selector.matches(labels));
  }

  /** Why evicting this pod would fail now, or undefined when it would not. */
  blocks(pod: V1Pod): PodBlock | undefined {
    if (!isEvictable(pod, this.now)) return undefined;
    const budgets = this.matching(pod);
    if (budgets.length === 0) return undefined;
    if (budgets.length > 1) {
      const keys = budgets.map((b) => b.key).sort();
      return { pod, budgets: keys, message: `pod ${podName(pod)} is selected by ${keys.length} PodDisruptionBudgets (${keys.join(", ")}); the Eviction API refuses such pods` };
    }
    const b = budgets[0]!;
    if (b.alwaysAllowUnhealthy && notReady(pod)) return undefined;
    if (b.disruptionsAllowed > 0) return undefined;
    return { pod, budgets: [b.key], message: `PodDisruptionBudget ${b.key} allows no disruption of pod ${podName(pod)} now (disruptionsAllowed 0)` };
  }

  /** The first pod of the list whose eviction would be refused. */
  firstBlocked(pods: readonly V1Pod[]): PodBlock | undefined {
    if (this.byNamespace.size === 0) return undefined;
    for (const p of pods) {
      const b = this.blocks(p);
      if (b) return b;
    }
    return undefined;
  }
}
