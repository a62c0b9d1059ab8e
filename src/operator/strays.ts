// Errors nothing awaited. Node's default ends the process with a plain-text stack trace on a
// promise rejected with no handler, so one forgotten `.catch` in one reconcile would stop every
// controller (and, during shutdown, turn a clean SIGTERM into exit 1). A stray rejection is a bug,
// but a contained one: it is logged as one JSON line and the process carries on (a loop that died
// of it fails /healthz on its own). An uncaught exception leaves the process in an unknown state,
// so it is logged and ends the process — unless shutdown is already under way, where errors from
// aborted requests are expected and the shutdown is left to finish.
export interface StraySource {
  on(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
  on(event: "uncaughtException", listener: (error: Error) => void): unknown;
}

export interface StrayOptions {
  logger: Record<"error" | "fatal" | "warn", (fields: { error: unknown }, message: string) => void>;
  /** True once shutdown has begun. */
  stopping: () => boolean;
  /** Ends the process after an uncaught exception (flushing the log first). */
  exit: (code: number) => void;
}

export function containStrayErrors(source: StraySource, options: StrayOptions): void {
  source.on("unhandledRejection", (reason) => {
    if (options.stopping()) options.logger.warn({ error: reason }, "unhandled promise rejection during shutdown");
    else options.logger.error({ error: reason }, "unhandled promise rejection (a bug in tenon); carrying on");
  });
  source.on("uncaughtException", (error) => {
    if (options.stopping()) {
      options.logger.warn({ error }, "uncaught exception during shutdown; finishing the shutdown");
      return;
    }
    options.logger.fatal({ error }, "uncaught exception (a bug in tenon); exiting so the pod restarts");
    options.exit(1);
  });
}
