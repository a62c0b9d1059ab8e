import type { GroupKind, TopologyGroup } from "./group.js";
import type { NodeFilter } from "./nodefilter.js";

/** A candidate node (real or planned) as topology sees it. */
export interface TopologyView {
  /** The values the node can have for `key`; [] when it will not carry the label. */
  possible(key: string): readonly string[];
  passesFilter(filter: NodeFilter): boolean;
}

/** A group a pod must satisfy at its current relaxation level. */
export interface OwnedGroup {
  group: TopologyGroup;
  required: boolean;
}

/** What the pod brings to topology: the groups it owns, those that count it, and its labels' matches. */
export interface TopologySubject {
  owned: readonly OwnedGroup[];
  selectedBy: readonly TopologyGroup[];
  selfSelects(g: TopologyGroup): boolean;
}

export interface TopologyFailure {
  kind: GroupKind;
  /** True when another pod's anti-affinity keeps this one out. */
  inverse: boolean;
  group: TopologyGroup;
  /** Why, in words (computed only when asked: failures are frequent while searching, messages rare). */
  detail: () => string;
}

/**
 * The outcome of checking a pod's topology on a node: the domains it may take per key (in order of
 * preference, for keys where the node is not yet pinned to one), or why it cannot go there.
 */
export type TopologyOutcome = { ok: true; narrow: Map<string, string[]> } | { ok: false; failure: TopologyFailure };

const sum = (groups: readonly TopologyGroup[], key: string, d: string, kind: GroupKind): number => {
  let s = 0;
  for (const g of groups) if (g.key === key && g.kind === kind) s += g.count(d);
  return s;
};

/**
 * kube's filters for topology, on one node:
 * - spread: `count(domain) + selfMatch − globalMin ≤ maxSkew`, over eligible domains; a node
 *   without the key is rejected;
 * - affinity: some matching pod in the domain, unless no pod anywhere matches any of the pod's
 *   affinity terms and the pod matches all of them itself (the first of a self-affine group);
 *   a node without the key is rejected;
 * - anti-affinity: no matching pod in the domain; and no pod in the domain whose required
 *   anti-affinity selects this pod (the symmetric direction).
 * Groups that merely count this pod ask for the node to be pinned to one domain, so the count is
 * known when it is recorded.
 */
export function evaluateTopology(subject: TopologySubject, view: TopologyView): TopologyOutcome {
  if (subject.owned.length === 0 && subject.selectedBy.length === 0) return Unconstrained;
  let narrow: Map<string, string[]> | undefined;
  const restrict = (g: TopologyGroup, allowed: string[], inverse: boolean, detail: () => string): TopologyFailure | undefined => {
    const prev = narrow?.get(g.key);
    const next = prev ? prev.filter((d) => allowed.includes(d)) : allowed;
    if (next.length === 0) return { kind: g.kind, inverse, group: g, detail };
    (narrow ??= new Map()).set(g.key, next);
    return undefined;
  };

  let bootstrap: boolean | undefined;
  const affinityBootstrap = (): boolean => {
    if (bootstrap === undefined) {
      const affinity = subject.owned.filter((o) => o.group.kind === "affinity");
      bootstrap = affinity.every((o) => o.group.total === 0) && affinity.every((o) => subject.selfSelects(o.group));
    }
    return bootstrap;
  };

  for (const { group: g } of subject.owned) {
    const possible = view.possible(g.key);
    let failure: TopologyFailure | undefined;
    switch (g.kind) {
      case "spread": {
        if (possible.length === 0) return { ok: false, failure: { kind: "spread", inverse: false, group: g, detail: () => `${g.describe()}: the node has no ${g.key} label` } };
        const min = g.minCount();
        const self = subject.selfSelects(g) ? 1 : 0;
        const allowed = possible.filter((d) => (g.isHostname || g.universe.has(d)) && g.count(d) + self - min <= g.maxSkew);
        failure = restrict(g, allowed, false, () => `${g.describe()}: placing it in ${possible.slice(0, 6).join(", ")} would exceed the skew (counts ${g.describeCounts()}; global minimum ${min})`);
        break;
      }
      case "affinity": {
        if (possible.length === 0) return { ok: false, failure: { kind: "affinity", inverse: false, group: g, detail: () => `${g.describe()}: the node has no ${g.key} label` } };
        const allowed = affinityBootstrap() ? [...possible] : possible.filter((d) => g.count(d) > 0);
        failure = restrict(g, allowed, false, () =>
          g.total === 0 ? `${g.describe()}: no pod matches yet and the pod does not match its own term` : `${g.describe()}: no matching pod in ${possible.slice(0, 6).join(", ")} (matching pods are in ${g.describeCounts()})`,
        );
        break;
      }
      case "antiAffinity": {
        if (possible.length === 0) continue;
        const allowed = possible.filter((d) => g.count(d) === 0);
        failure = restrict(g, allowed, false, () => `${g.describe()}: matching pods already in ${possible.slice(0, 6).join(", ")}`);
        break;
      }
    }
    if (failure) return { ok: false, failure };
  }

  for (const g of subject.selectedBy) {
    if (g.kind !== "antiAffinity" || !g.hasRequiredOwners) continue;
    const possible = view.possible(g.key);
    if (possible.length === 0) continue;
    const allowed = possible.filter((d) => g.requiredOwnersIn(d) === 0);
    const failure = restrict(g, allowed, true, () => `a pod with required ${g.describe()} is already in ${possible.slice(0, 6).join(", ")}`);
    if (failure) return { ok: false, failure };
  }

  for (const g of subject.selectedBy) {
    if (narrow?.has(g.key)) continue;
    const possible = view.possible(g.key);
    if (possible.length <= 1) continue;
    if (g.kind === "spread" && g.filter && !view.passesFilter(g.filter)) continue;
    (narrow ??= new Map()).set(g.key, [...possible]);
  }
  if (!narrow) return Unconstrained;

  // Order each key's choices: balance owned spreads first, then join where affinity pods are, then
  // keep the spreads that count this pod balanced.
  for (const [key, values] of narrow) {
    if (values.length < 2) continue;
    const owned = subject.owned.map((o) => o.group);
    values.sort(
      (a, b) =>
        sum(owned, key, a, "spread") - sum(owned, key, b, "spread") ||
        sum(owned, key, b, "affinity") - sum(owned, key, a, "affinity") ||
        sum(subject.selectedBy, key, a, "spread") - sum(subject.selectedBy, key, b, "spread") ||
        (a < b ? -1 : a > b ? 1 : 0),
    );
  }
  return { ok: true, narrow };
}

/** Nothing to pin: shared, never modified. */
const Unconstrained: TopologyOutcome = { ok: true, narrow: new Map() };

/** The single domain a node has for `key` once placed (undefined when unknown or absent). */
export function domainOf(view: TopologyView, key: string): string | undefined {
  const p = view.possible(key);
  return p.length === 1 ? p[0] : undefined;
}
