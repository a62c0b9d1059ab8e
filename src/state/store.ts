import { type KubeConfig, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Backoff, type BackoffPolicy } from "../controllers/runtime/backoff.js";

export type StoreEvent = "add" | "update" | "delete";
export type StoreHandler<T> = (event: StoreEvent, obj: T, old?: T) => void;

/**
 * An object the API server holds that tenon cannot use (it fails tenon's schema): kept aside with
 * what is wrong, so controllers can say so on the object and decisions can allow for it, instead
 * of acting as if it did not exist.
 */
export class Rejected {
  constructor(
    /** The object as the API server has it (plain JSON). */
    readonly raw: Record<string, unknown>,
    /** The first field at fault, as kubectl prints paths ("spec.limits.cpu"). */
    readonly field: string,
    readonly message: string,
  ) {}

  get name(): string {
    return String((this.raw.metadata as { name?: unknown } | undefined)?.name ?? "");
  }

  get namespace(): string | undefined {
    const ns = (this.raw.metadata as { namespace?: unknown } | undefined)?.namespace;
    return typeof ns === "string" ? ns : undefined;
  }
}
export type RejectionHandler = (event: "rejected" | "cleared", rejected: Rejected) => void;

export interface StoreOptions<T> {
  kc: KubeConfig;
  /** API path to watch, e.g. /api/v1/pods. */
  path: string;
  list: () => Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }>;
  /** Turns a raw object into T; undefined for objects to ignore, Rejected for objects tenon cannot use. */
  convert?: (raw: unknown) => T | Rejected | undefined;
  logger?: Pick<Logger, "warn" | "debug">;
  /** Backoff between failed lists or watches: exponential with jitter, capped. */
  backoff?: Partial<BackoffPolicy>;
  /** The jitter's random source, in [0, 1); tests pin it. */
  random?: () => number;
  /**
   * A watch counts as healthy — and resets the backoff — once it has stayed open this long or
   * delivered an event. One that closes sooner counts as a failure, so a server that accepts
   * watches and drops them at once cannot drive a tight loop.
   */
  healthyAfterMs?: number;
}

/** Any Kubernetes object, typed or parsed by our schemas (whose timestamps are strings). */
export type Named = { metadata?: { name?: string; namespace?: string } };
type Raw = { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

const keyOf = (o: Named): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ""));

/** How one watch ended. */
interface WatchEnd {
  error: unknown;
  /** The server answered 200 and the stream was open. */
  established: boolean;
  /** It stayed open long enough, or delivered events: the connection was good. */
  healthy: boolean;
}

const isGone = (err: unknown): boolean => {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  return e?.statusCode === 410 || e?.code === 410;
};

const isTooManyRequests = (err: unknown): boolean => {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  return e?.statusCode === 429 || e?.code === 429;
};

/**
 * A watched, cached collection of one kind, kept by its own list-then-watch loop (a reflector):
 * it lists, watches from the list's resource version, re-watches when a watch ends, relists when
 * the version is too old (410 Gone), and after any failure waits with exponential, jittered,
 * capped backoff that resets only once a watch has been healthy again. It always holds plain
 * JSON objects, whether they came from a list or from a watch event.
 */
export class Store<T extends Named> {
  private readonly items = new Map<string, T>();
  /** The resourceVersion of every raw object seen, including those convert() set aside. */
  private readonly versions = new Map<string, string | undefined>();
  private readonly handlers: StoreHandler<T>[] = [];
  private readonly rejectedItems = new Map<string, Rejected>();
  private readonly rejectionHandlers: RejectionHandler[] = [];
  private readonly backoff: Backoff;
  private readonly healthyAfterMs: number;
  private syncedOnce = false;
  private syncWaiters: (() => void)[] = [];
  private resourceVersion: string | undefined;
  private run: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: StoreOptions<T>) {
    this.backoff = new Backoff(opts.backoff, opts.random);
    this.healthyAfterMs = opts.healthyAfterMs ?? 1000;
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Consecutive failed lists or watches since the last healthy watch. */
  get failures(): number {
    return this.backoff.attempts;
  }

  on(handler: StoreHandler<T>): void {
    this.handlers.push(handler);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** Objects that exist but failed tenon's schema: they are not in list(), and say why. */
  rejected(): Rejected[] {
    return [...this.rejectedItems.values()];
  }

  onRejection(handler: RejectionHandler): void {
    this.rejectionHandlers.push(handler);
  }

  /** Starts watching; resolves once the first list has been loaded. */
  async start(): Promise<void> {
    if (!this.loop) {
      const run = new AbortController();
      this.run = run;
      this.loop = this.reflect(run.signal).finally(() => {
        if (this.run === run) this.loop = undefined;
      });
    }
    if (this.syncedOnce) return;
    await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.run?.abort();
    this.run = undefined;
    this.loop = undefined;
    // Waiters of a start() that never synced are released: nothing more will come.
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private async reflect(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let failure: unknown;
      try {
        if (this.resourceVersion === undefined) await this.relist(signal);
        if (signal.aborted) return;
        const end = await this.watch(signal);
        if (signal.aborted) return;
        if (isGone(end.error)) {
          // Our version is older than the server keeps: relist now, a normal part of watching.
          this.resourceVersion = undefined;
          continue;
        }
        if (end.error === null && end.healthy) continue;
        failure = end.error ?? new Error(end.established ? "the watch closed right after it opened" : "the watch did not open");
      } catch (err) {
        failure = err;
      }
      if (signal.aborted) return;
      const delay = this.backoff.next();
      const fields = { path: this.opts.path, err: String(failure), attempt: this.backoff.attempts, retryInMs: delay };
      // A busy API server (429) asks to be retried: worth a warning only once it keeps refusing.
      if (isTooManyRequests(failure) && this.backoff.attempts <= 3) this.opts.logger?.debug(fields, "the API server asked to retry later; restarting the watch");
      else this.opts.logger?.warn(fields, "watch failed, restarting");
      await sleep(delay, signal);
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const list = await this.opts.list();
    if (signal.aborted) return;
    // Typed lists carry Date objects where watch events carry strings: make both plain JSON.
    const items = JSON.parse(JSON.stringify(list.items ?? [])) as Raw[];
    const seen = new Set<string>();
    for (const raw of items) {
      seen.add(keyOf(raw));
      this.upsert(raw);
    }
    // What was deleted while we were not watching.
    for (const key of [...this.versions.keys()]) if (!seen.has(key)) this.remove(key);
    this.resourceVersion = list.metadata?.resourceVersion ?? "";
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** One watch from the current resource version, until it ends. */
  private watch(signal: AbortSignal): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve) => {
      let done = false;
      let established = false;
      let healthy = false;
      let healthyTimer: NodeJS.Timeout | undefined;
      let request: AbortController | undefined;
      const markHealthy = () => {
        if (healthy) return;
        healthy = true;
        clearTimeout(healthyTimer);
        this.backoff.reset();
      };
      const finish = (error: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(healthyTimer);
        signal.removeEventListener("abort", onAbort);
        request?.abort();
        resolve({ error, established, healthy });
      };
      const onAbort = () => finish(null);
      signal.addEventListener("abort", onAbort, { once: true });
      const onEvent = (type: string, obj: Raw & { code?: number }) => {
        if (done) return;
        if (type === "ERROR") {
          // The server says why it ends the watch (410: our version is too old); it closes the stream next.
          finish(isGone(obj) ? { code: 410 } : new Error(`watch error: ${JSON.stringify(obj).slice(0, 300)}`));
          return;
        }
        markHealthy();
        if (type === "ADDED" || type === "MODIFIED") this.upsert(obj);
        else if (type === "DELETED") this.remove(keyOf(obj));
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      };
      new Watch(this.opts.kc)
        .watch(this.opts.path, { resourceVersion: this.resourceVersion, allowWatchBookmarks: true }, onEvent, (err: unknown) => finish(err ?? null))
        .then((controller: AbortController) => {
          request = controller;
          if (done) return controller.abort();
          established = true;
          healthyTimer = setTimeout(markHealthy, this.healthyAfterMs);
          healthyTimer.unref?.();
        })
        .catch((err: unknown) => finish(err));
    });
  }

  private upsert(raw: Raw): void {
    const key = keyOf(raw);
    const version = raw.metadata?.resourceVersion;
    if (this.versions.has(key) && version !== undefined && this.versions.get(key) === version) return;
    this.versions.set(key, version);
    const old = this.items.get(key);
    const obj = this.opts.convert ? this.opts.convert(raw) : (raw as T);
    if (obj === undefined || obj instanceof Rejected) {
      if (old) {
        this.items.delete(key);
        for (const h of this.handlers) h("delete", old, old);
      }
      if (obj instanceof Rejected) {
        this.rejectedItems.set(key, obj);
        for (const h of this.rejectionHandlers) h("rejected", obj);
      } else this.clearRejected(key);
      return;
    }
    this.clearRejected(key);
    this.items.set(key, obj);
    for (const h of this.handlers) h(old ? "update" : "add", obj, old);
  }

  private clearRejected(key: string): void {
    const r = this.rejectedItems.get(key);
    if (!r) return;
    this.rejectedItems.delete(key);
    for (const h of this.rejectionHandlers) h("cleared", r);
  }

  private remove(key: string): void {
    this.versions.delete(key);
    this.clearRejected(key);
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    for (const h of this.handlers) h("delete", old, old);
  }
}

/** Resolves after ms, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
