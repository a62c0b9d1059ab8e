import type { V1Taint, V1Toleration } from "@kubernetes/client-node";
import type { Requirements } from "../../core/requirements.js";
import { labelsMatch } from "../../core/requirements.js";
import { toleratesTaint } from "../taints.js";
import { WellKnownLabels } from "../wellknown.js";

/**
 * Which nodes a topology spread constraint counts and spreads over (kube's nodeInclusionPolicy):
 * nodeAffinityPolicy Honor (the default) keeps only nodes matching the pod's nodeSelector and
 * required node affinity; nodeTaintsPolicy Honor (default Ignore) keeps only nodes whose
 * NoSchedule/NoExecute taints the pod tolerates.
 */
export class NodeFilter {
  readonly key: string;

  constructor(
    /** ORed terms (nodeSelector ∧ term); undefined when affinity is ignored or absent. */
    readonly terms: Requirements[] | undefined,
    /** The pod's tolerations; undefined when taints are ignored. */
    readonly tolerations: V1Toleration[] | undefined,
  ) {
    this.key = `${terms ? terms.map((t) => t.canonical()).join("|") : "*"}#${tolerations ? JSON.stringify(tolerations) : "*"}`;
  }

  static readonly all = new NodeFilter(undefined, undefined);

  private toleratesAll(taints: readonly V1Taint[]): boolean {
    if (!this.tolerations) return true;
    for (const taint of taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!this.tolerations.some((t) => toleratesTaint(t, taint))) return false;
    }
    return true;
  }

  /** A real node: its labels must match exactly. */
  matchesNode(labels: Record<string, string>, taints: readonly V1Taint[]): boolean {
    if (this.terms && !this.terms.some((t) => labelsMatch(labels, t))) return false;
    return this.toleratesAll(taints);
  }

  /** A node still to be launched, known by its requirements: it must be able to match. */
  matchesRequirements(reqs: Requirements, taints: readonly V1Taint[]): boolean {
    if (this.terms && !this.terms.some((t) => reqs.compatible(t, WellKnownLabels) === undefined)) return false;
    return this.toleratesAll(taints);
  }

  get trivial(): boolean {
    return this.terms === undefined && this.tolerations === undefined;
  }
}
