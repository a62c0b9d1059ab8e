// Warns when the event loop was held: every lease renewal, watch event and probe waits behind
// whatever runs on it, so a stall of seconds is the first thing to see when a leader loses its
// lease or a probe fails. A timer that should fire every `intervalMs` measures how late it ran.
import type { Logger } from "pino";

export interface StallWatchOptions {
  logger: Pick<Logger, "warn">;
  /** How often the timer is due. */
  intervalMs?: number;
  /** A lateness from this on is logged. */
  thresholdMs?: number;
  /** Our clock in ms; injectable for tests. */
  now?: () => number;
  /** Runs tick every intervalMs until the returned function is called; injectable for tests. */
  every?: (intervalMs: number, tick: () => void) => () => void;
}

function everyUnref(intervalMs: number, tick: () => void): () => void {
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Starts watching; returns a function that stops it. The timer never keeps the process alive. */
export function watchEventLoopStalls(options: StallWatchOptions): () => void {
  const intervalMs = options.intervalMs ?? 500;
  const thresholdMs = options.thresholdMs ?? 1000;
  const now = options.now ?? Date.now;
  let due = now() + intervalMs;
  return (options.every ?? everyUnref)(intervalMs, () => {
    const at = now();
    const lateMs = at - due;
    due = at + intervalMs;
    if (lateMs >= thresholdMs) options.logger.warn({ blockedMs: Math.round(lateMs) }, "the event loop was blocked: lease renewals, watches and probes waited");
  });
}
