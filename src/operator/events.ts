// Kubernetes Events about NodePools, NodeClaims, Nodes and Pods, recorded the way Karpenter records
// them: as reporting component `karpenter`, identical events within two minutes written once, and
// a token bucket per object (client-go's spam filter numbers: a burst of 25, then one per five
// minutes) so a controller stuck in a loop cannot flood etcd with events.
import type { CoreV1Api, CoreV1Event, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";

export type EventType = "Normal" | "Warning";

export interface ObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
  /** Empty for cluster-scoped objects (NodePools, NodeClaims, Nodes). */
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface Event {
  involvedObject: ObjectReference;
  type: EventType;
  /** UpperCamelCase, e.g. `DisruptionBlocked`. */
  reason: string;
  message: string;
  /**
   * Events with equal type, reason and dedupe values within the dedupe window are one event.
   * Defaults to the object and the message, so only identical events are merged.
   */
  dedupeValues?: readonly string[];
  dedupeTimeoutMs?: number;
}

/** Writes one event; rejects on failure. */
export type EventSink = (event: Event, at: Date) => Promise<void>;

export interface EventRecorderOptions {
  sink: EventSink;
  now?: () => number;
  dedupeTimeoutMs?: number;
  /** Events an object may get at once before the rate limit applies. */
  burst?: number;
  /** After the burst, one more event per object per this many ms. */
  refillIntervalMs?: number;
  logger?: Pick<Logger, "debug" | "warn">;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class EventRecorder {
  private readonly now: () => number;
  private readonly dedupeTimeoutMs: number;
  private readonly burst: number;
  private readonly refillIntervalMs: number;
  private readonly seen = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly inFlight = new Set<Promise<void>>();
  private lastSweep: number;

  constructor(private readonly options: EventRecorderOptions) {
    this.now = options.now ?? Date.now;
    this.dedupeTimeoutMs = options.dedupeTimeoutMs ?? 120_000;
    this.burst = options.burst ?? 25;
    this.refillIntervalMs = options.refillIntervalMs ?? 300_000;
    this.lastSweep = this.now();
  }

  /** Records events without waiting for the API server: events are best-effort. */
  publish(...events: Event[]): void {
    for (const event of events) this.publishOne(event);
  }

  /** Resolves once every event published so far was written (or failed). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private publishOne(event: Event): void {
    const now = this.now();
    this.sweep(now);
    const key = dedupeKey(event);
    const until = this.seen.get(key);
    if (until !== undefined && now < until) return;
    if (!this.take(objectKey(event.involvedObject), now)) {
      this.options.logger?.debug({ reason: event.reason, object: event.involvedObject }, "event rate-limited");
      return;
    }
    this.seen.set(key, now + (event.dedupeTimeoutMs ?? this.dedupeTimeoutMs));
    const write = this.options
      .sink(event, new Date(now))
      .catch((error: unknown) => this.options.logger?.warn({ error, reason: event.reason, object: event.involvedObject }, "failed to record event"))
      .finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }

  private take(key: string, now: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const refilled = Math.min(this.burst, b.tokens + (now - b.at) / this.refillIntervalMs);
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      return false;
    }
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    return true;
  }

  // Forgets expired dedupe entries and full buckets, so memory follows recent activity rather
  // than every object ever seen.
  private sweep(now: number): void {
    if (now - this.lastSweep < this.dedupeTimeoutMs) return;
    this.lastSweep = now;
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) / this.refillIntervalMs >= this.burst) this.buckets.delete(key);
    }
  }
}

function objectKey(ref: ObjectReference): string {
  return JSON.stringify([ref.apiVersion ?? "", ref.kind, ref.namespace ?? "", ref.name, ref.uid ?? ""]);
}

function dedupeKey(event: Event): string {
  const values = event.dedupeValues ?? [objectKey(event.involvedObject), event.message];
  return JSON.stringify([event.type, event.reason, ...values]);
}

/** The reference an event needs from an object as read from the API server. */
export function objectReference(obj: KubernetesObject): ObjectReference {
  if (!obj.kind || !obj.metadata?.name) throw new Error("an event's object needs a kind and a name");
  return dropUndefined({
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace || undefined,
    uid: obj.metadata.uid,
    resourceVersion: obj.metadata.resourceVersion,
  });
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export interface CoreV1EventSinkOptions {
  /** This process, e.g. the leader election identity. */
  reportingInstance: string;
  reportingComponent?: string;
}

/** Writes core/v1 Events; cluster-scoped objects' events go to `default`, as client-go's recorder does. */
export function coreV1EventSink(api: CoreV1Api, options: CoreV1EventSinkOptions): EventSink {
  const component = options.reportingComponent ?? "karpenter";
  let sequence = 0;
  return async (event, at) => {
    const ref = event.involvedObject;
    const namespace = ref.namespace || "default";
    // client-go names events <object>.<unix nanos in hex>; the sequence keeps same-millisecond names apart.
    const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000);
    const body: CoreV1Event = {
      metadata: { name: `${ref.name}.${nanos.toString(16)}`, namespace },
      involvedObject: { ...ref },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component },
      reportingComponent: component,
      reportingInstance: options.reportingInstance,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
    await api.createNamespacedEvent({ namespace, body });
  };
}
