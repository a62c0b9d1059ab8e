import type { V1LabelSelectorRequirement, V1Pod, V1PodAffinityTerm, V1Taint, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { CapacityTypeLabel, HostnameLabel, ZoneLabel } from "../../apis/labels.js";
import type { PoolContext } from "../nodepools.js";
import { offeringAllowed } from "../instancetypes.js";
import type { Requirements } from "../../core/requirements.js";
import { compileSelector, namespaceScope } from "../../core/selector.js";
import { labelValue } from "../../core/labelkeys.js";
import { WellKnownLabels } from "../wellknown.js";
import { type GroupKind, TopologyGroup } from "./group.js";
import { NodeFilter } from "./nodefilter.js";

/** A real node as topology sees it. */
export interface TopologyNode {
  name: string;
  labels: Record<string, string>;
  taints: V1Taint[];
}

/** The value of a topology key on a real node; the hostname falls back to the node's name (as Karpenter). */
export function nodeDomain(node: TopologyNode, key: string): string | undefined {
  const v = labelValue(node.labels, key);
  if (v === undefined && key === HostnameLabel) return node.name;
  return v;
}

/** Pods already bound, aggregated by namespace and labels so each group scans few entries. */
interface BoundPods {
  namespace: string;
  labels: Record<string, string>;
  perNode: Map<TopologyNode, number>;
}

/**
 * Every topology group of one solve, deduplicated by identity, plus the cluster's existing pods and
 * the domains each spread constraint balances over.
 */
export class TopologyRegistry {
  readonly groups: TopologyGroup[] = [];
  private readonly byIdentity = new Map<string, TopologyGroup>();
  private readonly bound = new Map<string, BoundPods>();
  private readonly selectedByCache = new Map<string, TopologyGroup[]>();
  private readonly universeCache = new Map<string, Set<string>>();

  private pools: readonly PoolContext[] = [];

  constructor(
    private readonly nodes: readonly TopologyNode[],
    private readonly namespaceLabels: ReadonlyMap<string, Record<string, string>>,
  ) {}

  private intern(kind: GroupKind, key: string, identityParts: string, make: (id: number, identity: string) => TopologyGroup): TopologyGroup {
    const identity = `${kind}|${key}|${identityParts}`;
    let g = this.byIdentity.get(identity);
    if (!g) {
      g = make(this.groups.length, identity);
      this.groups.push(g);
      this.byIdentity.set(identity, g);
    }
    return g;
  }

  /**
   * The group of a topology spread constraint of `pod`. matchLabelKeys add `key In (pod's value)`;
   * the node filter follows nodeAffinityPolicy (default Honor) and nodeTaintsPolicy (default Ignore).
   */
  spreadGroup(pod: V1Pod, c: V1TopologySpreadConstraint, strictAlternatives: Requirements[]): TopologyGroup {
    const labels = pod.metadata?.labels ?? {};
    const extra: V1LabelSelectorRequirement[] = [];
    for (const k of c.matchLabelKeys ?? []) {
      const v = labelValue(labels, k);
      if (v !== undefined) extra.push({ key: k, operator: "In", values: [v] });
    }
    const selector = compileSelector(c.labelSelector, extra);
    const ns = pod.metadata?.namespace ?? "default";
    const scope = namespaceScope(ns, undefined, undefined, this.namespaceLabels);
    const constrained = strictAlternatives.some((a) => a.size > 0) || strictAlternatives.length === 0;
    const terms = c.nodeAffinityPolicy !== "Ignore" && constrained ? strictAlternatives : undefined;
    const tolerations = c.nodeTaintsPolicy === "Honor" ? (pod.spec?.tolerations ?? []) : undefined;
    const filter = terms === undefined && tolerations === undefined ? NodeFilter.all : new NodeFilter(terms, tolerations);
    const minDomains = c.whenUnsatisfiable === "DoNotSchedule" ? c.minDomains : undefined;
    return this.intern("spread", c.topologyKey, `${scope.key}|${selector.key}|${c.maxSkew}|${minDomains ?? ""}|${filter.key}`, (id, identity) =>
      new TopologyGroup(id, "spread", c.topologyKey, identity, selector, scope, c.maxSkew, minDomains, filter),
    );
  }

  /** The group of a pod (anti-)affinity term; namespaces are relative to the pod that carries the term. */
  termGroup(kind: "affinity" | "antiAffinity", pod: V1Pod, term: V1PodAffinityTerm): TopologyGroup {
    const labels = pod.metadata?.labels ?? {};
    const extra: V1LabelSelectorRequirement[] = [];
    for (const k of term.matchLabelKeys ?? []) {
      const v = labelValue(labels, k);
      if (v !== undefined) extra.push({ key: k, operator: "In", values: [v] });
    }
    for (const k of term.mismatchLabelKeys ?? []) {
      const v = labelValue(labels, k);
      if (v !== undefined) extra.push({ key: k, operator: "NotIn", values: [v] });
    }
    const selector = compileSelector(term.labelSelector, extra);
    const scope = namespaceScope(pod.metadata?.namespace ?? "default", term.namespaces, term.namespaceSelector, this.namespaceLabels);
    return this.intern(kind, term.topologyKey, `${scope.key}|${selector.key}`, (id, identity) =>
      new TopologyGroup(id, kind, term.topologyKey, identity, selector, scope, Number.POSITIVE_INFINITY, undefined, undefined),
    );
  }

  /** Registers a pod bound to a node (counted by every group that selects it). */
  addBoundPod(pod: V1Pod, node: TopologyNode): void {
    const ns = pod.metadata?.namespace ?? "default";
    const labels = pod.metadata?.labels ?? {};
    const sig = signature(ns, labels);
    let b = this.bound.get(sig);
    if (!b) this.bound.set(sig, (b = { namespace: ns, labels, perNode: new Map() }));
    b.perNode.set(node, (b.perNode.get(node) ?? 0) + 1);
  }

  /** Registers the required anti-affinity terms of a bound pod: pods they select must stay out of its domains. */
  addBoundAntiAffinityOwner(pod: V1Pod, node: TopologyNode): void {
    for (const term of pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const g = this.termGroup("antiAffinity", pod, term);
      const d = nodeDomain(node, g.key);
      if (d !== undefined) {
        g.recordRequiredOwner(d, 1);
        g.recordActiveOwner(d, 1);
      }
    }
  }

  /** Counts bound pods into every group and works out each spread group's domains. Call once, after all groups exist. */
  finalize(pools: readonly PoolContext[]): void {
    this.pools = pools;
    for (const g of this.groups) {
      if (g.kind === "spread" && !g.isHostname) g.universe = this.universe(g.key, g.filter ?? NodeFilter.all);
      for (const b of this.bound.values()) {
        if (!g.selects(b.namespace, b.labels)) continue;
        for (const [node, n] of b.perNode) {
          if (g.kind === "spread" && g.filter && !g.filter.matchesNode(node.labels, node.taints)) continue;
          const d = nodeDomain(node, g.key);
          if (d !== undefined) g.record(d, n);
        }
      }
    }
  }

  /**
   * Domains a spread constraint counts as eligible: values of the key on existing nodes that pass
   * the filter, and values the NodePools could launch (template ∩ instance type; zones and capacity
   * types only where an offering is available), keeping only NodePools and types the filter admits.
   */
  private universe(key: string, filter: NodeFilter): Set<string> {
    const cacheKey = `${key}#${filter.key}`;
    let u = this.universeCache.get(cacheKey);
    if (u) return u;
    u = new Set();
    for (const n of this.nodes) {
      if (!filter.matchesNode(n.labels, n.taints)) continue;
      const d = nodeDomain(n, key);
      if (d !== undefined) u.add(d);
    }
    for (const pool of this.pools) {
      if (!filter.matchesRequirements(pool.baseReqs, pool.taints)) continue;
      // Without node-affinity terms the pool contributes exactly its domains (computed once per pool).
      if (!filter.terms) {
        for (const v of pool.domains.get(key) ?? []) u.add(v);
        continue;
      }
      for (const t of pool.types) {
        if (t.basePrice === Number.POSITIVE_INFINITY) continue;
        const combined = pool.combined(t);
        const terms = filter.terms.filter((term) => combined.compatible(term, WellKnownLabels) === undefined);
        if (terms.length === 0) continue;
        const admits = (v: string): boolean => terms.some((term) => term.get(key)?.has(v) ?? true);
        if (key === ZoneLabel || key === CapacityTypeLabel) {
          for (const o of t.it.offerings) {
            if (!o.available || !offeringAllowed(o, combined)) continue;
            const v = key === ZoneLabel ? o.zone : o.capacityType;
            if (admits(v)) u.add(v);
          }
          continue;
        }
        const r = combined.get(key);
        if (r && !r.complement) for (const v of r.values) if (admits(v)) u.add(v);
      }
    }
    this.universeCache.set(cacheKey, u);
    return u;
  }

  /** Groups that select pods with this namespace and these labels (they count such pods). */
  selectedBy(namespace: string, labels: Record<string, string>): TopologyGroup[] {
    const sig = signature(namespace, labels);
    let out = this.selectedByCache.get(sig);
    if (!out) {
      out = this.groups.filter((g) => g.selects(namespace, labels));
      this.selectedByCache.set(sig, out);
    }
    return out;
  }
}

function signature(namespace: string, labels: Record<string, string>): string {
  return `${namespace}\u0000${Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;
}
