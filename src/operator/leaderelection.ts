// Leader election on a coordination.k8s.io/v1 Lease, so that of several controller replicas only
// one acts on the cluster at a time. The timing defaults and rules are client-go's (15s lease,
// 10s renew deadline, 2s retry), and writes use the Lease's resourceVersion, so two candidates
// racing for it cannot both win: the API server rejects the second write with a conflict.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type LeaderFence, leaderFence } from "./fence.js";
import { decideLease, releasedRecord, type LeaseRecord } from "./lease.js";
import { isConflict, isNotFound } from "./kube.js";
import type { LeaderMetrics } from "./metrics-clients.js";

/** A Lease as read: its leader-election fields and the version to write against. */
export interface LeaseState {
  record: LeaseRecord;
  resourceVersion: string;
}

/** The three calls leader election makes on one Lease; tests substitute a fake. */
export interface LeaseClient {
  /** Undefined when the Lease does not exist. */
  get(): Promise<LeaseState | undefined>;
  /** Throws a 409 error when someone created it first. */
  create(record: LeaseRecord): Promise<LeaseState>;
  /** Throws a 409 error when the Lease changed since `resourceVersion`. */
  update(record: LeaseRecord, resourceVersion: string): Promise<LeaseState>;
}

export interface LeaderElectorOptions {
  lease: LeaseClient;
  /** Unique per process; see newIdentity. */
  identity: string;
  /** How long a lease lasts unrenewed before a candidate may take it over. */
  leaseDurationMs?: number;
  /** How long a leader keeps trying to renew before it gives up leading. */
  renewDeadlineMs?: number;
  /** The pause between attempts to acquire or renew. */
  retryPeriodMs?: number;
  /** Starts the leader's work; the signal aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once the leader stops leading, before the lease is released; awaited. */
  onStoppedLeading?: () => void | Promise<void>;
  /** Called when a different holder is observed (including ourselves). */
  onNewLeader?: (identity: string) => void;
  logger?: Pick<Logger, "info" | "warn" | "debug" | "error">;
  /** Our clock in ms; injectable for tests. */
  now?: () => number;
  /** leader_election_master_status and leader_election_slowpath_total for this lease. */
  metrics?: LeaderMetrics;
}

/** Why run() returned: asked to stop, or leadership was lost (the process should exit and restart). */
export type LeaderElectionOutcome = "stopped" | "lost";

/** The hostname plus a random suffix, so two processes on one host never share an identity. */
export function newIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private observed: { state: LeaseState; at: number } | undefined;
  private leading = false;
  private lastHolder: string | undefined;
  /** When the last successful acquire or renew was sent: the lease is ours until a deadline from then. */
  private renewedAt = 0;
  /** Another holder seen on the lease while we led: leadership is over, whatever the deadline says. */
  private takenBy: string | undefined;

  /**
   * Down as soon as the renew deadline has passed since the last successful renew was sent, or
   * another holder shows on the lease — even before the elector's loop notices and steps down —
   * so that no write leaves this process after a successor may have started.
   */
  readonly fence: LeaderFence = leaderFence(() => this.holdsLease());

  constructor(private readonly options: LeaderElectorOptions) {
    this.identity = options.identity;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.now = options.now ?? Date.now;
    if (!this.identity) throw new Error("leader election needs a non-empty identity");
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new Error(`leader election: the lease duration (${this.leaseDurationMs}ms) must exceed the renew deadline (${this.renewDeadlineMs}ms)`);
    }
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) {
      throw new Error(`leader election: the renew deadline (${this.renewDeadlineMs}ms) must exceed 1.2 × the retry period (${this.retryPeriodMs}ms)`);
    }
  }

  get isLeader(): boolean {
    return this.holdsLease();
  }

  private holdsLease(): boolean {
    return this.leading && this.takenBy === undefined && this.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /**
   * Campaigns until this candidate leads, leads until it can no longer renew or `signal` aborts,
   * then steps down. On a stop it releases the lease so a successor takes over at once.
   */
  async run(signal: AbortSignal): Promise<LeaderElectionOutcome> {
    const log = this.options.logger;
    log?.info({ identity: this.identity }, "attempting to acquire leader lease");
    let sentAt = this.now();
    while (!(await this.tryAcquireOrRenew(this.renewDeadlineMs))) {
      // Jitter keeps candidates that started together from colliding on every attempt.
      if (!(await sleep(this.retryPeriodMs * (1 + Math.random() * 0.2), signal))) return "stopped";
      sentAt = this.now();
    }
    if (signal.aborted) {
      await this.release();
      return "stopped";
    }
    log?.info({ identity: this.identity }, "successfully acquired lease");
    this.renewedAt = sentAt;
    this.takenBy = undefined;
    this.leading = true;
    this.options.metrics?.leading(true);
    const leadership = new AbortController();
    Promise.resolve()
      .then(() => this.options.onStartedLeading(leadership.signal))
      .catch((error: unknown) => log?.error({ error }, "leader work failed"));

    let outcome: LeaderElectionOutcome = "stopped";
    while (await sleep(this.retryPeriodMs, signal)) {
      const started = this.now();
      const remaining = this.renewDeadlineMs - (started - this.renewedAt);
      if (remaining > 0 && (await this.tryAcquireOrRenew(remaining))) {
        this.renewedAt = started;
        continue;
      }
      if (this.takenBy !== undefined) {
        log?.error({ identity: this.identity, leader: this.takenBy }, "the leader lease was taken by another holder, stopping leading");
        outcome = "lost";
        break;
      }
      if (this.now() - this.renewedAt >= this.renewDeadlineMs) {
        log?.error({ identity: this.identity, renewDeadlineMs: this.renewDeadlineMs }, "failed to renew the leader lease in time, stopping leading");
        outcome = "lost";
        break;
      }
    }
    this.leading = false;
    this.options.metrics?.leading(false);
    leadership.abort();
    try {
      await this.options.onStoppedLeading?.();
    } catch (error) {
      log?.error({ error }, "stopping the leader's work failed");
    }
    if (outcome === "stopped") await this.release();
    return outcome;
  }

  /** One attempt, bounded by timeoutMs; true when we hold the lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    try {
      return await withTimeout(this.attempt(), timeoutMs);
    } catch (error) {
      const log = this.options.logger;
      if (isConflict(error)) log?.debug({ identity: this.identity }, "lost a race for the leader lease");
      else log?.warn({ error, identity: this.identity }, "failed to read or write the leader lease");
      return false;
    }
  }

  private async attempt(): Promise<boolean> {
    const lease = this.options.lease;
    if (await this.renewOptimistically()) return true;
    const current = await lease.get();
    this.observe(current);
    // Once taken from us, leadership is over: never take it back from under the new holder.
    if (this.leading && this.takenBy !== undefined) return false;
    const decision = decideLease({
      current: current?.record,
      observedAt: this.observed?.at ?? this.now(),
      now: this.now(),
      identity: this.identity,
      leaseDurationMs: this.leaseDurationMs,
    });
    switch (decision.action) {
      case "wait":
        return false;
      case "create":
        this.observe(await lease.create(decision.record));
        return true;
      case "acquire":
      case "renew":
        this.observe(await lease.update(decision.record, current!.resourceVersion));
        return true;
    }
  }

  /**
   * client-go's fast path: a leader whose last write succeeded writes its renewal against the
   * version it wrote, one request instead of a read and a write, which halves what a renewal
   * waits for on a busy API server. Any failure (someone else wrote the lease, or the call
   * failed) falls back to the read-then-write path, counted in leader_election_slowpath_total.
   */
  private async renewOptimistically(): Promise<boolean> {
    const observed = this.observed?.state;
    if (!this.leading || this.takenBy !== undefined || observed?.record.holderIdentity !== this.identity) return false;
    const decision = decideLease({ current: observed.record, observedAt: this.observed!.at, now: this.now(), identity: this.identity, leaseDurationMs: this.leaseDurationMs });
    if (decision.action !== "renew") return false;
    try {
      this.observe(await this.options.lease.update(decision.record, observed.resourceVersion));
      return true;
    } catch (error) {
      this.options.metrics?.slowPath();
      this.options.logger?.debug({ error, identity: this.identity }, "optimistic renewal of the leader lease failed, reading it first");
      return false;
    }
  }

  private observe(state: LeaseState | undefined): void {
    if (!state) {
      this.observed = undefined;
      return;
    }
    if (this.observed?.state.resourceVersion !== state.resourceVersion) this.observed = { state, at: this.now() };
    const holder = state.record.holderIdentity;
    if (this.leading && holder !== this.identity && this.takenBy === undefined) this.takenBy = holder || "(released by someone else)";
    if (holder !== "" && holder !== this.lastHolder) {
      this.lastHolder = holder;
      if (holder !== this.identity) this.options.logger?.info({ leader: holder }, "new leader elected");
      this.options.onNewLeader?.(holder);
    }
  }

  /** Steps down on the server if we still hold the lease; failures only cost successors a lease duration. */
  private async release(): Promise<void> {
    try {
      await withTimeout(
        (async () => {
          const current = await this.options.lease.get();
          if (!current || current.record.holderIdentity !== this.identity) return;
          await this.options.lease.update(releasedRecord(current.record, this.now()), current.resourceVersion);
          this.options.logger?.info({ identity: this.identity }, "released the leader lease");
        })(),
        this.renewDeadlineMs,
      );
    } catch (error) {
      this.options.logger?.warn({ error, identity: this.identity }, "failed to release the leader lease");
    }
  }
}

/** Resolves true after ms, or false as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms)}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A LeaseClient over client-node's CoordinationV1Api for one namespace/name. */
export function coordinationLeaseClient(api: CoordinationV1Api, namespace: string, name: string): LeaseClient {
  const toState = (lease: V1Lease): LeaseState => ({
    resourceVersion: lease.metadata?.resourceVersion ?? "",
    record: {
      holderIdentity: lease.spec?.holderIdentity ?? "",
      leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? 0,
      acquireTime: toDate(lease.spec?.acquireTime),
      renewTime: toDate(lease.spec?.renewTime),
      leaseTransitions: lease.spec?.leaseTransitions ?? 0,
    },
  });
  const toBody = (record: LeaseRecord, resourceVersion?: string): V1Lease => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      // MicroTime serializes with the six fractional digits the API server's MicroTime requires.
      acquireTime: record.acquireTime ? new V1MicroTime(record.acquireTime.getTime()) : undefined,
      renewTime: record.renewTime ? new V1MicroTime(record.renewTime.getTime()) : undefined,
      leaseTransitions: record.leaseTransitions,
    },
  });
  return {
    async get() {
      try {
        return toState(await api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(record) {
      return toState(await api.createNamespacedLease({ namespace, body: toBody(record) }));
    },
    async update(record, resourceVersion) {
      return toState(await api.replaceNamespacedLease({ name, namespace, body: toBody(record, resourceVersion) }));
    },
  };
}

// client-node types MicroTime fields as Dates but hands back the JSON string it read.
function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
