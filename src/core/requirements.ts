import type { V1NodeSelectorTerm } from "@kubernetes/client-node";
import { NodeNameField, labelValue, normalizeLabelKey } from "./labelkeys.js";
import { Requirement } from "./requirement.js";
import type { RequirementSpec } from "./types.js";

/**
 * A set of requirements, at most one per key (adding a key again intersects). Compatibility follows
 * Karpenter's Requirements.Compatible / Intersects, which is what decides whether a pod can go to a
 * node that does not exist yet.
 */
export class Requirements {
  private readonly byKey = new Map<string, Requirement>();
  private canonicalKey?: string;

  constructor(reqs: Iterable<Requirement> = []) {
    for (const r of reqs) this.add(r);
  }

  static fromSpecs(specs: readonly RequirementSpec[] | undefined): Requirements {
    const out = new Requirements();
    for (const s of specs ?? []) out.add(Requirement.create(normalizeLabelKey(s.key), s.operator, s.values ?? [], s.minValues));
    return out;
  }

  /** Each label as `key In [value]`. */
  static fromLabels(labels: Record<string, string> | undefined): Requirements {
    const out = new Requirements();
    for (const [k, v] of Object.entries(labels ?? {})) out.add(Requirement.create(normalizeLabelKey(k), "In", [v]));
    return out;
  }

  /**
   * A node selector term; matchFields on metadata.name become the pseudo-label "metadata.name",
   * which existing nodes define (their name) and new nodes define as their placeholder.
   */
  static fromNodeSelectorTerm(term: V1NodeSelectorTerm): Requirements {
    const out = new Requirements();
    for (const e of term.matchExpressions ?? []) out.add(Requirement.create(normalizeLabelKey(e.key), e.operator, e.values ?? []));
    for (const f of term.matchFields ?? []) out.add(Requirement.create(f.key === "metadata.name" ? NodeNameField : `field:${f.key}`, f.operator, f.values ?? []));
    return out;
  }

  /** Intersects r into the set (mutates; only while building). */
  add(r: Requirement): this {
    const existing = this.byKey.get(r.key);
    this.byKey.set(r.key, existing ? existing.intersection(r) : r);
    this.canonicalKey = undefined;
    return this;
  }

  addAll(other: Requirements): this {
    for (const r of other.values()) this.add(r);
    return this;
  }

  get(key: string): Requirement | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  values(): IterableIterator<Requirement> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }

  clone(): Requirements {
    const out = new Requirements();
    for (const [k, r] of this.byKey) out.byKey.set(k, r);
    return out;
  }

  /** A new set holding both. */
  intersection(other: Requirements): Requirements {
    return this.clone().addAll(other);
  }

  /**
   * Whether a node described by `this` can satisfy `incoming` (a pod's requirements), as Karpenter's
   * Compatible: a key the incoming side requires must be defined here, unless it is in
   * `allowUndefined` (well-known labels a new node will get from its instance type) or the incoming
   * operator is satisfied by absence (NotIn, DoesNotExist); keys defined on both sides must intersect.
   * Returns why not, or undefined when compatible.
   */
  compatible(incoming: Requirements, allowUndefined?: ReadonlySet<string>): string | undefined {
    for (const [key, req] of incoming.byKey) {
      if (allowUndefined?.has(key) || this.byKey.has(key) || req.allowsAbsence) continue;
      return `label ${key} does not have known values`;
    }
    return this.intersects(incoming);
  }

  /**
   * Keys defined on both sides must share a value, except that two requirements both satisfied by
   * absence (NotIn/DoesNotExist) are fine together. Returns why not, or undefined.
   */
  intersects(incoming: Requirements): string | undefined {
    const [small, large] = this.byKey.size <= incoming.byKey.size ? [this, incoming] : [incoming, this];
    for (const [key, a] of small.byKey) {
      const b = large.byKey.get(key);
      if (b === undefined) continue;
      const existing = small === this ? a : b;
      const wanted = small === this ? b : a;
      if (existing.intersection(wanted).size === 0) {
        if (wanted.allowsAbsence && existing.allowsAbsence) continue;
        return `${wanted.toString()} not in ${existing.toString()}`;
      }
    }
    return undefined;
  }

  /** Node labels that satisfy every requirement with a single known value. */
  labels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, r] of this.byKey) {
      if (!r.complement && r.values.size === 1) out[k] = [...r.values][0]!;
    }
    return out;
  }

  toSpecs(): RequirementSpec[] {
    return [...this.byKey.values()].sort((a, b) => a.key.localeCompare(b.key)).flatMap((r) => r.toSpecs());
  }

  canonical(): string {
    if (this.canonicalKey === undefined) {
      this.canonicalKey = [...this.byKey.values()]
        .map((r) => r.canonical())
        .sort()
        .join(";");
    }
    return this.canonicalKey;
  }

  toString(): string {
    return [...this.byKey.values()].map((r) => r.toString()).join(", ");
  }
}

/** Whether concrete node labels satisfy the requirements exactly (kube's node affinity match). */
export function labelsMatch(labels: Record<string, string>, reqs: Requirements): boolean {
  for (const r of reqs.values()) {
    const v = labelValue(labels, r.key);
    if (v === undefined) {
      if (!r.allowsAbsence) return false;
    } else if (!r.has(v)) return false;
  }
  return true;
}

/**
 * Whether what `have` describes (an instance type's or an AMI's labels) can satisfy `wanted`: keys
 * both sides define must share a value; a key only one side describes constrains nothing here.
 */
export function specsCompatible(have: readonly RequirementSpec[], wanted: readonly RequirementSpec[]): boolean {
  return Requirements.fromSpecs(have).intersects(Requirements.fromSpecs(wanted)) === undefined;
}

/** The candidates `reqs` allow for `key`, in their order (all of them when `reqs` says nothing of it). */
export function allowedValues(reqs: readonly RequirementSpec[], key: string, candidates: readonly string[]): string[] {
  const r = Requirements.fromSpecs(reqs).get(key);
  return r ? candidates.filter((c) => r.has(c)) : [...candidates];
}
