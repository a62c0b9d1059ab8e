// Groups the stream of "a pod needs capacity" signals into batches, so that pods created together
// (a Deployment scaled up, a Job started) are planned together and packed onto few nodes. A window
// opens at the first trigger and closes once no trigger came for the idle duration, or once the
// maximum duration has passed since it opened — Karpenter's BATCH_IDLE_DURATION and
// BATCH_MAX_DURATION.
import type { Clock } from "../runtime/clock.js";

export interface BatcherOptions {
  idleMs: number;
  maxMs: number;
}

export class Batcher {
  private idle: { cancel(): void } | undefined;
  private max: { cancel(): void } | undefined;
  private openedAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly options: BatcherOptions,
    /** Called when a window closes. */
    private readonly onBatch: () => void,
  ) {}

  /** Whether a window is open. */
  get open(): boolean {
    return this.openedAt !== undefined;
  }

  /** When the open window opened (for logs and tests). */
  get windowStart(): number | undefined {
    return this.openedAt;
  }

  /** Opens a window, or extends the open one (up to its maximum). */
  trigger(): void {
    if (this.openedAt === undefined) {
      this.openedAt = this.clock.now();
      this.max = this.clock.setTimeout(() => this.close(), this.options.maxMs);
    }
    this.idle?.cancel();
    this.idle = this.clock.setTimeout(() => this.close(), Math.min(this.options.idleMs, this.options.maxMs));
  }

  /** Closes the open window now, as if it had timed out. */
  flush(): void {
    if (this.openedAt !== undefined) this.close();
  }

  /** Drops the open window without calling back (shutdown). */
  stop(): void {
    this.idle?.cancel();
    this.max?.cancel();
    this.idle = this.max = this.openedAt = undefined;
  }

  private close(): void {
    this.stop();
    this.onBatch();
  }
}
