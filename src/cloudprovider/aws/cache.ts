// A small keyed cache with expiry on an injected clock, for AWS answers that change slowly
// (subnets, AMIs, instance types) and for the unavailable-offerings record.

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export class TTLCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs = this.ttlMs): void {
    this.entries.set(key, { value, expires: this.clock() + ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Live entries (expired ones are dropped on the way). */
  *items(): IterableIterator<[string, V]> {
    const now = this.clock();
    for (const [k, e] of this.entries) {
      if (e.expires <= now) this.entries.delete(k);
      else yield [k, e.value];
    }
  }

  /** Runs `load` once per key while it is cached; concurrent callers share one load. */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = load().then(
      (v) => {
        this.set(key, v);
        this.inflight.delete(key);
        return v;
      },
      (err: unknown) => {
        this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  private readonly inflight = new Map<string, Promise<V>>();
}
