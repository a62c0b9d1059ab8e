import { type Clock, realClock } from "./clock.js";

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** What a queue reports as it works, for the workqueue_* metrics. */
export interface QueueHooks {
  added(): void;
  /** A key was handed to a worker after waiting so long in the queue. */
  waited(ms: number): void;
  retried(): void;
}

/**
 * A de-duplicating work queue with client-go's semantics: a key is queued at most once; a key
 * added while it is being processed is processed again afterwards (never twice at once); failed
 * keys come back with per-key exponential backoff until forgotten.
 */
export class WorkQueue<K = string> {
  private queue: K[] = [];
  private queued = new Set<K>();
  private processing = new Set<K>();
  private dirtyWhileProcessing = new Set<K>();
  private failures = new Map<K, number>();
  private delayed = new Map<K, { at: number; cancel(): void }>();
  private waiters: ((k: K | undefined) => void)[] = [];
  private closed = false;
  /** When each queued key was queued, and when each key in process was handed out. */
  private queuedAt = new Map<K, number>();
  private processingAt = new Map<K, number>();
  /** Set by the controller that owns the queue. */
  hooks?: QueueHooks;

  constructor(
    private readonly clock: Clock = realClock,
    private readonly backoff: BackoffOptions = { baseMs: 100, maxMs: 5 * 60_000 },
  ) {}

  private start(key: K, queuedAt: number): void {
    const now = this.clock.now();
    this.processing.add(key);
    this.processingAt.set(key, now);
    this.hooks?.waited(now - queuedAt);
  }

  add(key: K): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.hooks?.added();
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(key);
      this.start(key, this.clock.now());
      waiter(key);
    } else {
      this.queuedAt.set(key, this.clock.now());
      this.queue.push(key);
    }
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: K, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, cancel: timer.cancel });
  }

  /** Re-adds a key that failed, waiting longer after each consecutive failure. */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.hooks?.retried();
    this.addAfter(key, Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** n));
  }

  /** Clears a key's failure count after it succeeded. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  failureCount(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      const at = this.queuedAt.get(key) ?? this.clock.now();
      this.queuedAt.delete(key);
      this.start(key, at);
      return Promise.resolve(key);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key as processed; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    this.processingAt.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  /** When each key being processed now was handed to its worker (ms). */
  processingSince(): number[] {
    return [...this.processingAt.values()];
  }

  get length(): number {
    return this.queue.length;
  }

  shutdown(): void {
    this.closed = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
