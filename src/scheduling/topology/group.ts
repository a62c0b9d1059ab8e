import { HostnameLabel } from "../../apis/labels.js";
import type { NamespaceScope, Selector } from "../../core/selector.js";
import type { NodeFilter } from "./nodefilter.js";

export type GroupKind = "spread" | "affinity" | "antiAffinity";

/**
 * Pods matching one selector, counted per domain of one topology key. Every pod constraint with the
 * same kind, key, namespaces, selector, skew and node filter shares a group, so a deployment of a
 * thousand replicas is one group with a thousand owners (as in Karpenter).
 */
export class TopologyGroup {
  /** Pods matching the selector, per domain (for spread: only on nodes passing the filter). */
  private readonly counts = new Map<string, number>();
  private totalCount = 0;
  /** Pods that carry this group as a *required* anti-affinity term, per domain (the inverse direction). */
  private readonly requiredOwners = new Map<string, number>();
  private requiredOwnerTotal = 0;
  /** Pods placed while honouring this group (required or a preference still active), per domain. */
  private readonly activeOwners = new Map<string, number>();
  /** Domains a spread constraint balances over (not used for hostname, where a new node is always possible). */
  universe: ReadonlySet<string> = new Set();

  constructor(
    readonly id: number,
    readonly kind: GroupKind,
    readonly key: string,
    readonly identity: string,
    readonly selector: Selector,
    readonly namespaces: NamespaceScope,
    readonly maxSkew: number,
    readonly minDomains: number | undefined,
    readonly filter: NodeFilter | undefined,
  ) {}

  get isHostname(): boolean {
    return this.key === HostnameLabel;
  }

  selects(namespace: string, labels: Record<string, string> | undefined): boolean {
    return this.namespaces.includes(namespace) && this.selector.matches(labels);
  }

  count(domain: string): number {
    return this.counts.get(domain) ?? 0;
  }

  get total(): number {
    return this.totalCount;
  }

  record(domain: string, delta: number): void {
    const n = (this.counts.get(domain) ?? 0) + delta;
    if (n === 0) this.counts.delete(domain);
    else this.counts.set(domain, n);
    this.totalCount += delta;
  }

  requiredOwnersIn(domain: string): number {
    return this.requiredOwners.get(domain) ?? 0;
  }

  get hasRequiredOwners(): boolean {
    return this.requiredOwnerTotal > 0;
  }

  recordRequiredOwner(domain: string, delta: number): void {
    const n = (this.requiredOwners.get(domain) ?? 0) + delta;
    if (n === 0) this.requiredOwners.delete(domain);
    else this.requiredOwners.set(domain, n);
    this.requiredOwnerTotal += delta;
  }

  activeOwnersIn(domain: string): number {
    return this.activeOwners.get(domain) ?? 0;
  }

  recordActiveOwner(domain: string, delta: number): void {
    const n = (this.activeOwners.get(domain) ?? 0) + delta;
    if (n === 0) this.activeOwners.delete(domain);
    else this.activeOwners.set(domain, n);
  }

  /**
   * kube's global minimum for a spread: the lowest count over eligible domains, or 0 when fewer
   * domains than minDomains are eligible. For hostname it is always 0, since a new node (an empty
   * domain) can always be made (Karpenter's rule).
   */
  minCount(): number {
    if (this.isHostname) return 0;
    if (this.minDomains !== undefined && this.universe.size < this.minDomains) return 0;
    let min = Number.POSITIVE_INFINITY;
    for (const d of this.universe) {
      const c = this.counts.get(d) ?? 0;
      if (c < min) min = c;
      if (min === 0) break;
    }
    return min === Number.POSITIVE_INFINITY ? 0 : min;
  }

  /** Counts per domain for messages ("us-east-1a: 3, us-east-1b: 1"). */
  describeCounts(limit = 6): string {
    const domains = this.isHostname ? [...this.counts.keys()] : [...new Set([...this.universe, ...this.counts.keys()])];
    domains.sort();
    const shown = domains.slice(0, limit).map((d) => `${d}: ${this.count(d)}`);
    if (domains.length > limit) shown.push(`… ${domains.length - limit} more`);
    return shown.join(", ");
  }

  describe(): string {
    switch (this.kind) {
      case "spread":
        return `topology spread on ${this.key} (maxSkew ${this.maxSkew}${this.minDomains !== undefined ? `, minDomains ${this.minDomains}` : ""}) over pods ${this.selector.key}`;
      case "affinity":
        return `pod affinity on ${this.key} to pods ${this.selector.key}`;
      case "antiAffinity":
        return `pod anti-affinity on ${this.key} to pods ${this.selector.key}`;
    }
  }
}
