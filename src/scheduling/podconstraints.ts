import type { V1Pod, V1PodAffinityTerm, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { Requirements } from "../core/requirements.js";

/**
 * The pod's hard node constraints as ORed alternatives: nodeSelector ∧ each required node affinity
 * term. A term with no expressions matches no node (kube), so it is dropped; if every term is dropped
 * the pod fits nowhere and the list is empty.
 */
export function requiredAlternatives(pod: V1Pod): Requirements[] {
  const base = Requirements.fromLabels(pod.spec?.nodeSelector);
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return [base];
  return terms.filter((t) => (t.matchExpressions ?? []).length + (t.matchFields ?? []).length > 0).map((t) => base.intersection(Requirements.fromNodeSelectorTerm(t)));
}

/** One soft constraint, in the order relaxation removes them. */
export type Preference =
  | { kind: "nodeAffinity"; weight: number; index: number; reqs: Requirements }
  | { kind: "podAffinity"; weight: number; index: number; term: V1PodAffinityTerm }
  | { kind: "podAntiAffinity"; weight: number; index: number; term: V1PodAffinityTerm }
  | { kind: "spread"; weight: number; index: number; constraint: V1TopologySpreadConstraint };

const kindOrder: Record<Preference["kind"], number> = { podAffinity: 0, podAntiAffinity: 1, nodeAffinity: 2, spread: 3 };

/**
 * The pod's preferences in removal order: weighted preferred terms (node affinity, pod affinity,
 * pod anti-affinity) one at a time by lowest weight first (ties: pod affinity, then anti-affinity,
 * then node affinity, the order Karpenter relaxes them in), then ScheduleAnyway spread constraints
 * in the order written. A pod starts with all of them treated as required.
 */
export function preferences(pod: V1Pod): Preference[] {
  const a = pod.spec?.affinity;
  const weighted: Preference[] = [];
  (a?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, index) => {
    const reqs = Requirements.fromNodeSelectorTerm(p.preference);
    // An empty preference term matches every node: nothing to prefer.
    if (reqs.size > 0) weighted.push({ kind: "nodeAffinity", weight: p.weight, index, reqs });
  });
  (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, index) => weighted.push({ kind: "podAffinity", weight: p.weight, index, term: p.podAffinityTerm }));
  (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, index) =>
    weighted.push({ kind: "podAntiAffinity", weight: p.weight, index, term: p.podAffinityTerm }),
  );
  weighted.sort((x, y) => x.weight - y.weight || kindOrder[x.kind] - kindOrder[y.kind] || x.index - y.index);
  const spreads: Preference[] = [];
  (pod.spec?.topologySpreadConstraints ?? []).forEach((c, index) => {
    if (c.whenUnsatisfiable === "ScheduleAnyway") spreads.push({ kind: "spread", weight: 0, index, constraint: c });
  });
  return [...weighted, ...spreads];
}

export function describePreference(p: Preference): string {
  switch (p.kind) {
    case "nodeAffinity":
      return `preferred node affinity [${p.index}] (weight ${p.weight}): ${p.reqs.toString()}`;
    case "podAffinity":
      return `preferred pod affinity [${p.index}] (weight ${p.weight}) on ${p.term.topologyKey}`;
    case "podAntiAffinity":
      return `preferred pod anti-affinity [${p.index}] (weight ${p.weight}) on ${p.term.topologyKey}`;
    case "spread":
      return `ScheduleAnyway topology spread [${p.index}] on ${p.constraint.topologyKey}`;
  }
}
