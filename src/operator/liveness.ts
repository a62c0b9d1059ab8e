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

  /** @param stopping true once the process is shutting down: loops ending then are expected. */
  constructor(private readonly stopping: () => boolean = () => false) {}

  /** Runs every loop until the signal aborts; one that ends early is recorded (and logged), the others go on. */
  async runAll(loops: readonly RunLoop[], signal: AbortSignal, logger?: Pick<Logger, "error">): Promise<void> {
    await Promise.all(loops.map((loop) => this.supervise(loop, signal, logger)));
  }

  private async supervise(loop: RunLoop, signal: AbortSignal, logger?: Pick<Logger, "error">): Promise<void> {
    let reason: string;
    try {
      await loop.run(signal);
      reason = "its run loop returned";
    } catch (error) {
      reason = `its run loop failed: ${error instanceof Error ? error.message : String(error)}`;
      if (!this.expected(signal)) logger?.error({ error, controller: loop.name }, "controller stopped with an error");
    }
    if (this.expected(signal)) return;
    this.stopped.set(loop.name, reason);
    logger?.error({ controller: loop.name, reason }, "controller stopped while the process runs; failing /healthz so the pod restarts");
  }

  private expected(signal: AbortSignal): boolean {
    return signal.aborted || this.stopping();
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
