// Exponential backoff with jitter and a cap, for retrying something that keeps failing (a watch
// while the API server is away, an eviction the API server refuses). Jitter spreads the retries
// of many clients that failed together — every replica and every informer after an API server
// restart — so that they do not come back in one thundering herd.

export interface BackoffPolicy {
  /** The delay ceiling after the first failure. */
  baseMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** Growth per failure; 2 doubles. */
  factor: number;
  /**
   * "equal": half the ceiling plus a random part of the other half, so a retry never comes
   * sooner than half the ceiling (no tight loop even with bad luck); "full": anywhere from 0 to
   * the ceiling; "none": the ceiling itself.
   */
  jitter: "equal" | "full" | "none";
}

export const defaultBackoffPolicy: BackoffPolicy = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: "equal" };

/** The ceiling for the n-th consecutive failure (0-based): base × factor^n, capped. */
export function backoffCeiling(policy: BackoffPolicy, attempt: number): number {
  // base × factor^n overflows to Infinity in a long outage, which the cap turns back into maxMs.
  return Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempt));
}

/** The delay for the n-th consecutive failure, with the policy's jitter drawn from `random` (in [0, 1)). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = backoffCeiling(policy, attempt);
  const r = Math.min(1, Math.max(0, random()));
  switch (policy.jitter) {
    case "none":
      return ceiling;
    case "full":
      return Math.round(ceiling * r);
    case "equal":
      return Math.round(ceiling / 2 + (ceiling / 2) * r);
  }
}

/** Counts consecutive failures; next() gives the delay before the next try, reset() starts over after a success. */
export class Backoff {
  readonly policy: BackoffPolicy;
  private failures = 0;

  constructor(
    policy: Partial<BackoffPolicy> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.policy = { ...defaultBackoffPolicy, ...policy };
    if (!(this.policy.baseMs > 0) || !(this.policy.maxMs >= this.policy.baseMs) || !(this.policy.factor >= 1)) {
      throw new Error(`backoff: need 0 < baseMs <= maxMs and factor >= 1, got ${JSON.stringify(this.policy)}`);
    }
  }

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /** Records a failure and returns how long to wait before trying again. */
  next(): number {
    return backoffDelay(this.policy, this.failures++, this.random);
  }

  reset(): void {
    this.failures = 0;
  }
}
