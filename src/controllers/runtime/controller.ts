import type { Logger } from "pino";
import { isNotLeader } from "../../operator/fence.js";
import { type ReconcileOutcome, type RuntimeMetrics, runtimeMetrics } from "../../operator/metrics-runtime.js";
import { type Clock, realClock } from "./clock.js";
import { ReconcileTimeoutError, isPanic, isTerminal } from "./errors.js";
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
  logger?: Pick<Logger, "error" | "warn" | "debug">;
  /** Called with the duration of every reconcile, for metrics. */
  observe?: (controller: string, ms: number, error: unknown) => void;
  /** controller_runtime_* and workqueue_* (the process-wide ones unless a test passes its own). */
  metrics?: RuntimeMetrics;
  /**
   * A reconcile's signal aborts (with a ReconcileTimeoutError) after so many milliseconds, as
   * controller-runtime's ReconciliationTimeout cancels its context; one that ran past it is counted
   * in controller_runtime_reconcile_timeouts_total however it ended. None by default, as there.
   */
  reconcileTimeoutMs?: number;
}

/** A worker stopped for a reason other than a failed reconcile: the controller no longer works its queue. */
export class WorkerDiedError extends Error {
  constructor(
    readonly controller: string,
    override readonly cause: unknown,
  ) {
    super(`controller ${controller}: a worker died outside reconcile: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "WorkerDiedError";
  }
}

/**
 * Runs a reconciler over a work queue with a few workers. Errors are logged and the key retried
 * with backoff; a key is never reconciled by two workers at once. A worker that dies outside
 * reconcile (the queue itself failing) makes run() reject at once, naming the controller, so the
 * process can report itself unhealthy rather than silently stop working that queue.
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
    this.metrics = opts.metrics ?? runtimeMetrics;
    const labels = { name: reconciler.name, controller: reconciler.name };
    const m = this.metrics;
    this.queue.hooks = {
      added: () => m.adds.inc(labels),
      waited: (ms) => m.queueDuration.observe(labels, ms / 1000),
      retried: () => m.retries.inc(labels),
    };
  }

  private readonly metrics: RuntimeMetrics;

  enqueue(key: K): void {
    this.queue.add(key);
  }

  /** Runs until the signal aborts; rejects with WorkerDiedError if a worker dies. */
  async run(signal: AbortSignal): Promise<void> {
    const stop = () => this.queue.shutdown();
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    const queue = this.queue;
    const clock = this.clock;
    this.metrics.register({ name: this.reconciler.name, concurrency: this.concurrency, depth: () => queue.length, processingSince: () => queue.processingSince(), now: () => clock.now() });
    try {
      await this.workers(signal);
    } finally {
      this.metrics.unregister(this.reconciler.name);
    }
  }

  private async workers(signal: AbortSignal): Promise<void> {
    await Promise.all(
      Array.from({ length: this.concurrency }, () =>
        this.worker(signal).catch((err: unknown) => {
          const died = new WorkerDiedError(this.reconciler.name, err);
          this.opts.logger?.error({ controller: this.reconciler.name, err }, died.message);
          throw died;
        }),
      ),
    );
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = this.clock.now();
      const deadline = this.deadline(signal);
      try {
        const result = await this.reconciler.reconcile(key, deadline.signal);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
        this.observe(started, undefined, result?.requeueAfterMs !== undefined ? "requeue_after" : "success");
      } catch (err) {
        const terminal = isTerminal(err);
        this.observe(started, err, "error", { terminal, panic: isPanic(err) });
        if (!signal.aborted) {
          if (isNotLeader(err)) this.opts.logger?.warn({ controller: this.reconciler.name, key: String(key), err: err.message }, "write refused: this replica no longer leads");
          else this.opts.logger?.error({ controller: this.reconciler.name, key: String(key), err, terminal }, "reconcile failed");
          // A terminal error waits for the object to change (its watch enqueues it again).
          if (terminal) this.queue.forget(key);
          else this.queue.addRateLimited(key);
        }
      } finally {
        if (deadline.timedOut()) this.countTimeout();
        deadline.cancel();
        this.queue.done(key);
      }
    }
  }

  /** The signal one reconcile gets: the controller's, plus its own timeout when it has one. */
  private deadline(signal: AbortSignal): { signal: AbortSignal; timedOut(): boolean; cancel(): void } {
    const timeoutMs = this.opts.reconcileTimeoutMs;
    if (timeoutMs === undefined) return { signal, timedOut: () => false, cancel: () => undefined };
    const own = new AbortController();
    const timer = this.clock.setTimeout(() => own.abort(new ReconcileTimeoutError(this.reconciler.name, timeoutMs)), timeoutMs);
    return { signal: AbortSignal.any([signal, own.signal]), timedOut: () => own.signal.aborted, cancel: () => timer.cancel() };
  }

  private countTimeout(): void {
    try {
      this.metrics.timedOut(this.reconciler.name);
    } catch (err) {
      this.opts.logger?.warn({ controller: this.reconciler.name, err }, "recording reconcile metrics failed");
    }
  }

  /** Metrics must never take a worker down with them. */
  private observe(started: number, error: unknown, outcome: ReconcileOutcome, failure?: { terminal: boolean; panic: boolean }): void {
    try {
      const ms = this.clock.now() - started;
      this.metrics.reconciled(this.reconciler.name, ms / 1000, outcome, failure);
      this.metrics.workDuration.observe({ name: this.reconciler.name, controller: this.reconciler.name }, ms / 1000);
      this.opts.observe?.(this.reconciler.name, ms, error);
    } catch (err) {
      this.opts.logger?.warn({ controller: this.reconciler.name, err }, "recording reconcile metrics failed");
    }
  }
}
