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

/** One soft constraint (or, for `requiredTerm`, one ORed required term tried before the next). */
export type Preference =
  | { kind: "requiredTerm"; weight: number; index: number }
  | { kind: "nodeAffinity"; weight: number; index: number; reqs: Requirements }
  | { kind: "podAffinity"; weight: number; index: number; term: V1PodAffinityTerm }
  | { kind: "podAntiAffinity"; weight: number; index: number; term: V1PodAffinityTerm }
  | { kind: "spread"; weight: number; index: number; constraint: V1TopologySpreadConstraint }
  | { kind: "preferNoSchedule"; weight: number; index: number };

/** Heaviest first; equal weights keep the order written (Karpenter sorts stably). */
const heaviestFirst = <T extends { weight: number; index: number }>(xs: T[]): T[] => xs.sort((x, y) => y.weight - x.weight || x.index - y.index);

/**
 * Karpenter's relaxation ladder for a pod (core's scheduling/preferences.go): each step removes one
 * constraint, from the first kind that still has one, in this order:
 *  1. required node affinity terms: only the first remaining term is in force; a step drops it and
 *     the next one takes over, until one is left;
 *  2. preferred pod affinity terms, heaviest first;
 *  3. preferred pod anti-affinity terms, heaviest first;
 *  4. preferred node affinity terms, heaviest first (only the heaviest remaining one is in force);
 *  5. ScheduleAnyway topology spreads, in the order Karpenter's swap-remove takes them;
 *  6. tolerating PreferNoSchedule taints (only when some node or NodePool has one).
 * With `ignorePreferences` (PREFERENCE_POLICY=Ignore) kinds 2–5 are absent from the start.
 * `requiredTerms` is how many required alternatives the pod has (see requiredAlternatives).
 */
export function relaxationSteps(pod: V1Pod, requiredTerms: number, o: { ignorePreferences: boolean; preferNoScheduleTaints: boolean }): Preference[] {
  const steps: Preference[] = [];
  for (let i = 0; i + 1 < requiredTerms; i++) steps.push({ kind: "requiredTerm", weight: 0, index: i });
  if (!o.ignorePreferences) {
    const a = pod.spec?.affinity;
    steps.push(...heaviestFirst((a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p, index) => ({ kind: "podAffinity" as const, weight: p.weight, index, term: p.podAffinityTerm }))));
    steps.push(
      ...heaviestFirst((a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p, index) => ({ kind: "podAntiAffinity" as const, weight: p.weight, index, term: p.podAffinityTerm }))),
    );
    const nodeTerms: Preference[] = [];
    (a?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, index) => {
      // An empty preference term matches every node: holding it changes nothing.
      const reqs = Requirements.fromNodeSelectorTerm(p.preference);
      if (reqs.size > 0) nodeTerms.push({ kind: "nodeAffinity", weight: p.weight, index, reqs });
    });
    steps.push(...heaviestFirst(nodeTerms));
    // Karpenter removes the first ScheduleAnyway constraint by moving the last constraint into its
    // place, so later ones come off in that shuffled order.
    const list = (pod.spec?.topologySpreadConstraints ?? []).map((constraint, index) => ({ constraint, index }));
    for (;;) {
      const i = list.findIndex((c) => c.constraint.whenUnsatisfiable === "ScheduleAnyway");
      if (i < 0) break;
      steps.push({ kind: "spread", weight: 0, index: list[i]!.index, constraint: list[i]!.constraint });
      list[i] = list[list.length - 1]!;
      list.pop();
    }
  }
  if (o.preferNoScheduleTaints) steps.push({ kind: "preferNoSchedule", weight: 0, index: 0 });
  return steps;
}

export function describePreference(p: Preference): string {
  switch (p.kind) {
    case "requiredTerm":
      return `required node affinity term [${p.index}]`;
    case "nodeAffinity":
      return `preferred node affinity [${p.index}] (weight ${p.weight}): ${p.reqs.toString()}`;
    case "podAffinity":
      return `preferred pod affinity [${p.index}] (weight ${p.weight}) on ${p.term.topologyKey}`;
    case "podAntiAffinity":
      return `preferred pod anti-affinity [${p.index}] (weight ${p.weight}) on ${p.term.topologyKey}`;
    case "spread":
      return `ScheduleAnyway topology spread [${p.index}] on ${p.constraint.topologyKey}`;
    case "preferNoSchedule":
      return "tolerating PreferNoSchedule taints";
  }
}
