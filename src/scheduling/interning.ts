import type { Requirements } from "../core/requirements.js";

/** Marks a failed compatibility check in the caches below. */
export const Incompatible = -1;

/**
 * Gives every distinct requirement set a small integer id, and caches the two operations the solver
 * repeats thousands of times: "is pod set B compatible with node set A, and what do they make
 * together" and "A ∩ B". Claims, pods and templates share ids, so a check done for one pod of a
 * deployment is free for the next.
 */
export class RequirementsTable {
  private readonly ids = new Map<string, number>();
  private readonly sets: Requirements[] = [];
  private readonly compatCache = new Map<number, number>();
  private readonly strictCache = new Map<number, number>();
  private readonly intersectCache = new Map<number, number>();

  constructor(private readonly allowUndefined: ReadonlySet<string>) {}

  intern(reqs: Requirements): number {
    const key = reqs.canonical();
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(reqs);
      this.ids.set(key, id);
    }
    return id;
  }

  get(id: number): Requirements {
    return this.sets[id]!;
  }

  private pairKey(a: number, b: number): number {
    return a * 4_194_304 + b;
  }

  /**
   * The combined requirements if `pod` is compatible with `node` (well-known labels may be
   * undefined on the node side, as for a NodeClaim not launched yet), else Incompatible.
   */
  compatibleWith(node: number, pod: number): number {
    const k = this.pairKey(node, pod);
    let r = this.compatCache.get(k);
    if (r === undefined) {
      const a = this.get(node);
      const b = this.get(pod);
      r = a.compatible(b, this.allowUndefined) === undefined ? this.intern(a.intersection(b)) : Incompatible;
      this.compatCache.set(k, r);
    }
    return r;
  }

  /** As compatibleWith, but every key the pod requires must be defined (a real node's labels). */
  strictlyCompatibleWith(node: number, pod: number): number {
    const k = this.pairKey(node, pod);
    let r = this.strictCache.get(k);
    if (r === undefined) {
      const a = this.get(node);
      const b = this.get(pod);
      r = a.compatible(b) === undefined ? this.intern(a.intersection(b)) : Incompatible;
      this.strictCache.set(k, r);
    }
    return r;
  }

  intersect(a: number, b: number): number {
    if (a === b) return a;
    const k = this.pairKey(a, b);
    let r = this.intersectCache.get(k);
    if (r === undefined) {
      r = this.intern(this.get(a).intersection(this.get(b)));
      this.intersectCache.set(k, r);
    }
    return r;
  }
}
