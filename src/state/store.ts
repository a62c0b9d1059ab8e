import { type KubeConfig, type KubernetesObject, type ListPromise, makeInformer } from "@kubernetes/client-node";
import type { Logger } from "pino";

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
  /** Backoff after a watch or list error; restarts relist from the last resource version. */
  retryBaseMs?: number;
}

const keyOf = (o: Named): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ""));

/**
 * A watched, cached collection of one kind. It survives watch expiry (410 Gone: relist) and API
 * server restarts (any other error: restart with backoff), and always holds plain JSON objects,
 * whether they came from a list or from a watch event.
 */
/** Any Kubernetes object, typed or parsed by our schemas (whose timestamps are strings). */
export type Named = { metadata?: { name?: string; namespace?: string } };

export class Store<T extends Named> {
  private readonly items = new Map<string, T>();
  private readonly handlers: StoreHandler<T>[] = [];
  private readonly rejectedItems = new Map<string, Rejected>();
  private readonly rejectionHandlers: RejectionHandler[] = [];
  private informer: ReturnType<typeof makeInformer<KubernetesObject>> | undefined;
  private syncedOnce = false;
  private syncWaiters: (() => void)[] = [];
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: StoreOptions<T>) {}

  get synced(): boolean {
    return this.syncedOnce;
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
    this.stopped = false;
    const listFn: ListPromise<KubernetesObject> = async () => {
      const list = await this.opts.list();
      // Typed lists carry Date objects where watch events carry strings: make both plain JSON.
      const items = JSON.parse(JSON.stringify(list.items)) as KubernetesObject[];
      this.markSynced();
      return { apiVersion: "v1", kind: "List", items, metadata: list.metadata ?? {} } as Awaited<ReturnType<ListPromise<KubernetesObject>>>;
    };
    this.informer = makeInformer(this.opts.kc, this.opts.path, listFn);
    this.informer.on("add", (o) => this.apply("add", o));
    this.informer.on("update", (o) => this.apply("update", o));
    this.informer.on("delete", (o) => this.apply("delete", o));
    this.informer.on("connect", () => (this.failures = 0));
    this.informer.on("error", (err) => this.retry(err));
    const synced = new Promise<void>((resolve) => (this.syncedOnce ? resolve() : this.syncWaiters.push(resolve)));
    await this.informer.start().catch((err: unknown) => this.retry(err));
    await synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.informer?.stop();
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const delay = Math.min(30_000, (this.opts.retryBaseMs ?? 250) * 2 ** this.failures++);
    this.opts.logger?.warn({ path: this.opts.path, err: String(err), retryInMs: delay }, "watch failed, restarting");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) void this.informer?.start().catch((e: unknown) => this.retry(e));
    }, delay);
    this.retryTimer.unref?.();
  }

  private clearRejected(key: string): void {
    const r = this.rejectedItems.get(key);
    if (!r) return;
    this.rejectedItems.delete(key);
    for (const h of this.rejectionHandlers) h("cleared", r);
  }

  private markSynced(): void {
    if (this.syncedOnce) return;
    // The informer adds the listed objects right after this list resolves (and removes those
    // deleted while it was disconnected); release the waiters only once that has happened.
    setImmediate(() => {
      this.syncedOnce = true;
      for (const w of this.syncWaiters.splice(0)) w();
    });
  }

  private apply(event: StoreEvent, raw: KubernetesObject): void {
    const key = keyOf(raw);
    const old = this.items.get(key);
    if (event === "delete") {
      this.clearRejected(key);
      if (!old) return;
      this.items.delete(key);
      for (const h of this.handlers) h("delete", old, old);
      return;
    }
    const plain = JSON.parse(JSON.stringify(raw)) as unknown;
    const obj = this.opts.convert ? this.opts.convert(plain) : (plain as T);
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
}
