// Graceful shutdown: on SIGTERM (the kubelet stopping the pod) or SIGINT, close what was started in
// reverse order, so controllers stop before the informers they read and the leader lease is
// released only once nothing acts on the cluster any more, then exit. The pod's
// terminationGracePeriodSeconds is the real deadline, so a closer that hangs must not keep the
// process past it: after the timeout the process exits anyway.
import type { Logger } from "pino";

export type Closer = () => void | Promise<void>;

/** The part of `process` shutdown needs; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownOptions {
  /** How long all closers together may take; 25s fits Kubernetes' default 30s grace period. */
  timeoutMs?: number;
  logger?: Pick<Logger, "info" | "error" | "warn">;
  /** Defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

export class Shutdown {
  private readonly closers: { name: string; close: Closer }[] = [];
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;
  private readonly signals: readonly NodeJS.Signals[];
  private running: Promise<number> | undefined;
  private detach: (() => void) | undefined;

  constructor(private readonly options: ShutdownOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 25_000;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.signals = options.signals ?? ["SIGTERM", "SIGINT"];
  }

  /** Registers something to close; closers run last-registered first. */
  register(name: string, close: Closer): void {
    this.closers.push({ name, close });
  }

  /** Starts listening for the signals. A second signal during shutdown exits at once. */
  listen(source: SignalSource = process): this {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.running) {
        this.options.logger?.warn({ signal }, "received a second signal during shutdown, exiting now");
        this.exit(1);
        return;
      }
      this.options.logger?.info({ signal }, "received signal, shutting down");
      void this.shutdown(`signal ${signal}`);
    };
    for (const s of this.signals) source.on(s, onSignal);
    this.detach = () => {
      for (const s of this.signals) source.off(s, onSignal);
    };
    return this;
  }

  /** Whether shutdown has begun; loops may poll this to stop taking new work. */
  get stopping(): boolean {
    return this.running !== undefined;
  }

  /**
   * Runs the closers and exits: 0 when all closed cleanly, 1 when any failed or the timeout passed.
   * Calling it again returns the same run. Resolves with the exit code (after calling exit).
   */
  shutdown(reason: string): Promise<number> {
    this.running ??= this.run(reason);
    return this.running;
  }

  private async run(reason: string): Promise<number> {
    const log = this.options.logger;
    log?.info({ reason }, "shutting down");
    let current = "";
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
    });
    const closeAll = async (): Promise<boolean> => {
      let clean = true;
      for (const { name, close } of [...this.closers].reverse()) {
        current = name;
        try {
          await close();
        } catch (error) {
          clean = false;
          log?.error({ error, closer: name }, "closing failed");
        }
      }
      return clean;
    };
    const outcome = await Promise.race([closeAll(), timedOut]);
    clearTimeout(timer);
    this.detach?.();
    let code: number;
    if (outcome === "timeout") {
      log?.error({ closer: current, timeoutMs: this.timeoutMs }, "shutdown timed out, exiting anyway");
      code = 1;
    } else {
      code = outcome ? 0 : 1;
      log?.info({ code }, "shutdown complete");
    }
    this.exit(code);
    return code;
  }
}
