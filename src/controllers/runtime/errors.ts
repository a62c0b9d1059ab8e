// How a reconcile's failure is classed, as controller-runtime classes it: a terminal error is one
// no retry can fix (the object must change first), a panic is a programming error rather than a
// failure of the cluster or the cloud. Both still count as reconcile errors.

/** A failure retrying cannot fix: the key is not requeued; a change to the object enqueues it again. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** True for a TerminalError, or an error whose cause chain holds one (controller-runtime unwraps the same way). */
export function isTerminal(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}

/**
 * What in JavaScript corresponds to a Go panic in a reconcile: a thrown value that is not an Error
 * at all, or one of the errors the language itself raises on a bug (a property of undefined, an
 * unknown name, a runaway recursion). A TypeError with a cause is left out: undici's "fetch failed"
 * is a TypeError carrying the network error as its cause, and that is a failure of the network.
 */
export function isPanic(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  if (err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError) return true;
  return err instanceof TypeError && err.cause === undefined;
}

/** The reason an AbortSignal aborts when a reconcile runs past its controller's timeout. */
export class ReconcileTimeoutError extends Error {
  constructor(
    readonly controller: string,
    readonly timeoutMs: number,
  ) {
    super(`controller ${controller}: reconcile ran past its timeout of ${timeoutMs} ms`);
    this.name = "ReconcileTimeoutError";
  }
}
