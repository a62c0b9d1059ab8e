// Liveness of the controllers: a controller whose run loop ends or throws while the process is
// not stopping has stopped doing its job for good — nothing would ever restart it — so /healthz
// fails, naming it, and the kubelet restarts the pod (which resumes every reconcile from the
// cluster, as reconcilers are level-based).
import type { Logger } from "pino";
import type { Check } from "./server.js";

export interface RunLoop {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export class ControllerLiveness {
  private readonly stopped = new Map<string, string>();
  private readonly active = new Set<string>();

  /** @param stopping true once the process is shutting down: loops ending then are expected. */
  constructor(private readonly stopping: () => boolean = () => false) {}

  /** Runs every loop until the signal aborts; one that ends early is recorded (and logged), the others go on. */
  async runAll(loops: readonly RunLoop[], signal: AbortSignal, logger?: Pick<Logger, "error">): Promise<void> {
    await Promise.all(loops.map((loop) => this.supervise(loop, signal, logger)));
  }

  private async supervise(loop: RunLoop, signal: AbortSignal, logger?: Pick<Logger, "error">): Promise<void> {
    let reason: string;
    this.active.add(loop.name);
    try {
      await loop.run(signal);
      reason = "its run loop returned";
    } catch (error) {
      reason = `its run loop failed: ${error instanceof Error ? error.message : String(error)}`;
      if (!this.expected(signal)) logger?.error({ error, controller: loop.name }, "controller stopped with an error");
    } finally {
      this.active.delete(loop.name);
    }
    if (this.expected(signal)) return;
    this.stopped.set(loop.name, reason);
    logger?.error({ controller: loop.name, reason }, "controller stopped while the process runs; failing /healthz so the pod restarts");
  }

  private expected(signal: AbortSignal): boolean {
    return signal.aborted || this.stopping();
  }

  /** The controllers whose run loop has not returned yet (during shutdown: those still finishing a reconcile). */
  get running(): readonly string[] {
    return [...this.active];
  }

  /** The names of the controllers that stopped, with why. */
  get dead(): ReadonlyMap<string, string> {
    return this.stopped;
  }

  /** The /healthz check: fails naming every controller that stopped. */
  readonly check: Check = () => {
    if (this.stopped.size === 0) return;
    throw new Error([...this.stopped].map(([name, reason]) => `controller ${name} stopped (${reason})`).join("; "));
  };
}

/**
 * Waits for the leader's controllers to return after their signal aborted, at most graceMs. A
 * reconcile still running then (an AWS call retrying, a long solve) is left behind rather than
 * holding the shutdown past the pod's grace period: leadership has ended, so the fence refuses
 * every write it could still make, and the lease can be released for a successor. The loops left
 * behind are named in the log.
 */
export async function awaitControllersStopped(
  work: Promise<void> | undefined,
  liveness: ControllerLiveness,
  graceMs: number,
  logger?: Pick<Logger, "warn">,
): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), graceMs);
  });
  const outcome = await Promise.race([work.then(() => "done" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    logger?.warn({ controllers: liveness.running, graceMs }, "controllers still finishing a reconcile after leadership ended; leaving them (their writes are fenced)");
  }
}
