import type { Logger } from "pino";
import { type Clock, realClock } from "./clock.js";
import { WorkQueue } from "./workqueue.js";

export interface ReconcileResult {
  /** Reconcile this key again after so many milliseconds (level-based polling of slow state). */
  requeueAfterMs?: number;
}

export interface Reconciler<K = string> {
  readonly name: string;
  /** Re-derives what to do for one object from the cluster and the cloud, and does it. Idempotent. */
  reconcile(key: K, signal: AbortSignal): Promise<ReconcileResult | undefined>;
}

export interface ControllerOptions {
  concurrency?: number;
  clock?: Clock;
  logger?: Pick<Logger, "error" | "debug">;
  /** Called with the duration of every reconcile, for metrics. */
  observe?: (controller: string, ms: number, error: unknown) => void;
}

/**
 * Runs a reconciler over a work queue with a few workers. Errors are logged and the key retried
 * with backoff; a key is never reconciled by two workers at once.
 */
export class Controller<K = string> {
  readonly queue: WorkQueue<K>;
  private readonly concurrency: number;
  private readonly clock: Clock;

  constructor(
    readonly reconciler: Reconciler<K>,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.queue = new WorkQueue<K>(this.clock);
    this.concurrency = opts.concurrency ?? 1;
  }

  enqueue(key: K): void {
    this.queue.add(key);
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const stop = () => this.queue.shutdown();
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    await Promise.all(Array.from({ length: this.concurrency }, () => this.worker(signal)));
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = this.clock.now();
      try {
        const result = await this.reconciler.reconcile(key, signal);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
        this.opts.observe?.(this.reconciler.name, this.clock.now() - started, undefined);
      } catch (err) {
        this.opts.observe?.(this.reconciler.name, this.clock.now() - started, err);
        if (!signal.aborted) {
          this.opts.logger?.error({ controller: this.reconciler.name, key: String(key), err }, "reconcile failed");
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }
}
