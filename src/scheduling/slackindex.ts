/**
 * Finds the first slot (in creation order) whose free room in every indexed dimension is at least
 * a request, in O(log n) per query in practice, instead of scanning every planned node for every
 * pod. A max-tree per dimension: a subtree is skipped when its largest room in some dimension is
 * too small. Slots can be disabled (room −∞) when they can take nothing more.
 */
export class SlackIndex {
  private capacity = 1;
  private trees: Float64Array[];
  private count = 0;

  constructor(private readonly dims: number) {
    this.trees = Array.from({ length: dims }, () => new Float64Array(2).fill(Number.NEGATIVE_INFINITY));
  }

  get length(): number {
    return this.count;
  }

  private growTo(n: number): void {
    if (n <= this.capacity) return;
    let cap = this.capacity;
    while (cap < n) cap *= 2;
    const old = this.trees;
    const oldCap = this.capacity;
    this.capacity = cap;
    this.trees = Array.from({ length: this.dims }, () => new Float64Array(2 * cap).fill(Number.NEGATIVE_INFINITY));
    for (let d = 0; d < this.dims; d++) {
      const t = this.trees[d]!;
      for (let i = 0; i < this.count; i++) t[cap + i] = old[d]![oldCap + i]!;
      for (let i = cap - 1; i >= 1; i--) t[i] = Math.max(t[2 * i]!, t[2 * i + 1]!);
    }
  }

  /** Sets slot i's room (appending when i == length). */
  set(i: number, room: ArrayLike<number>): void {
    if (i >= this.count) {
      this.growTo(i + 1);
      this.count = i + 1;
    }
    for (let d = 0; d < this.dims; d++) {
      const t = this.trees[d]!;
      let p = this.capacity + i;
      t[p] = room[d]!;
      for (p >>= 1; p >= 1; p >>= 1) t[p] = Math.max(t[2 * p]!, t[2 * p + 1]!);
    }
  }

  disable(i: number): void {
    this.set(
      i,
      Array.from({ length: this.dims }, () => Number.NEGATIVE_INFINITY),
    );
  }

  /** The first slot ≥ from with room ≥ need in every dimension, or −1. */
  findFirst(from: number, need: ArrayLike<number>): number {
    if (from >= this.count) return -1;
    return this.search(1, 0, this.capacity - 1, from, need);
  }

  private search(node: number, lo: number, hi: number, from: number, need: ArrayLike<number>): number {
    if (hi < from || lo >= this.count) return -1;
    for (let d = 0; d < this.dims; d++) if (this.trees[d]![node]! < need[d]!) return -1;
    if (lo === hi) return lo;
    const mid = (lo + hi) >> 1;
    const left = this.search(2 * node, lo, mid, from, need);
    if (left >= 0) return left;
    return this.search(2 * node + 1, mid + 1, hi, from, need);
  }
}
