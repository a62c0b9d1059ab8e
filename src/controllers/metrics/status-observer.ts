// What operatorpkg's status controller records about one kind, from the objects as the watches
// hold them: each condition's count and age (gauges, re-set on every look), each transition seen
// (a counter, and how long the previous status lasted), and how long an object has been and took
// to terminate. Transitions are seen by comparing with the last look, so like operatorpkg's they
// are best effort: two changes between looks are one transition.
import type { Event } from "../../operator/events.js";
import { type StatusFamilies, type StatusFamilySet, type StatusKind, promLabel } from "./status-families.js";

export interface ObservedCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  /** RFC 3339 (custom resources) or a Date (client-node's Node type). */
  lastTransitionTime?: string | Date;
}

/** The parts of an object the observer reads. */
export interface ObservedObject {
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string | Date; finalizers?: string[] };
  status?: { conditions?: readonly ObservedCondition[] };
}

type Labels = Record<string, string>;

interface Seen {
  conditions: Map<string, ObservedCondition>;
  extra: Labels;
  /** Label sets of the gauges set at the last look, to remove those no longer true. */
  gauges: Labels[];
  deletingSince?: number;
  finalizers: string[];
  ref: Event["involvedObject"];
}

const ms = (t: string | Date | undefined): number => (t === undefined ? NaN : t instanceof Date ? t.getTime() : Date.parse(t));

export class StatusObserver {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly kind: StatusKind,
    private readonly families: StatusFamilies,
    private readonly now: () => number,
    /** operatorpkg's Events: one per transition (reason: the condition type) and per finalizer removed (Finalized). */
    private readonly publish: (e: Event) => void = () => undefined,
  ) {}

  /** One look at the object called `name`; undefined when it is gone. */
  observe(name: string, obj: ObservedObject | undefined): void {
    if (!obj) return this.gone(name);
    const before = this.seen.get(name);
    const extra = Object.fromEntries(this.kind.objectLabels.map((k) => [promLabel(k), obj.metadata?.labels?.[k] ?? ""]));
    const ref = { apiVersion: this.kind.group ? `${this.kind.group}/v1` : "v1", kind: this.kind.kind, name, ...(obj.metadata?.uid ? { uid: obj.metadata?.uid } : {}) };
    const finalizers = obj.metadata?.finalizers ?? [];
    for (const f of before?.finalizers ?? []) if (!finalizers.includes(f)) this.finalized(ref, f);
    const now = this.now();
    const id = { namespace: obj.metadata?.namespace ?? "", name };
    const deletingSince = obj.metadata?.deletionTimestamp !== undefined ? ms(obj.metadata?.deletionTimestamp) : undefined;
    if (deletingSince !== undefined) this.each((f, d) => f.terminationCurrentSeconds.set(this.labels(id, extra, d), (now - deletingSince) / 1000));

    const conditions = new Map((obj.status?.conditions ?? []).map((c) => [c.type, c]));
    const gauges = [...conditions.values()].map((c) => ({ ...id, type: c.type, status: c.status, reason: c.reason ?? "" }));
    // Stale series go first: the kind-less families carry no object labels, so a series whose
    // labels changed is the same series there, and is set again just below.
    const key = (l: Labels) => JSON.stringify(l);
    const current = new Set(gauges.map((g) => key({ ...g, ...extra })));
    for (const g of before?.gauges ?? []) {
      if (current.has(key({ ...g, ...before?.extra }))) continue;
      this.each((f, d) => {
        f.count.remove(this.labels(g, before?.extra ?? {}, d));
        f.currentStatusSeconds.remove(this.labels(g, before?.extra ?? {}, d));
      });
    }
    for (const c of conditions.values()) {
      const series = { ...id, type: c.type, status: c.status, reason: c.reason ?? "" };
      this.each((f, d) => {
        f.count.set(this.labels(series, extra, d), 1);
        f.currentStatusSeconds.set(this.labels(series, extra, d), (now - ms(c.lastTransitionTime)) / 1000);
      });
    }

    for (const c of conditions.values()) {
      const was = before?.conditions.get(c.type);
      if (was?.status === c.status) continue;
      this.each((f, d) => f.transitions.inc(this.labels({ type: c.type, status: c.status, reason: c.reason ?? "" }, extra, d)));
      if (!was) continue;
      const lasted = (ms(c.lastTransitionTime) - ms(was.lastTransitionTime)) / 1000;
      if (Number.isFinite(lasted)) this.each((f, d) => f.transitionSeconds.observe(this.labels({ type: c.type, status: was.status }, extra, d), lasted));
      const message = c.message ? `, Message: ${c.message}` : "";
      this.publish({
        involvedObject: ref,
        type: "Normal",
        reason: c.type,
        message: `Status condition transitioned, Type: ${c.type}, Status: ${was.status} -> ${c.status}, Reason: ${c.reason ?? ""}${message}`,
      });
    }
    this.seen.set(name, { conditions, extra, gauges, finalizers, ref, ...(deletingSince !== undefined ? { deletingSince } : before?.deletingSince !== undefined ? { deletingSince: before.deletingSince } : {}) });
  }

  /** Names looked at and not yet gone, for a periodic re-look. */
  names(): string[] {
    return [...this.seen.keys()];
  }

  private gone(name: string): void {
    const before = this.seen.get(name);
    if (!before) return;
    this.seen.delete(name);
    const id = { namespace: "", name };
    this.each((f, d) => {
      for (const g of before.gauges) {
        f.count.remove(this.labels(g, before.extra, d));
        f.currentStatusSeconds.remove(this.labels(g, before.extra, d));
      }
      f.terminationCurrentSeconds.remove(this.labels(id, before.extra, d));
    });
    if (before.deletingSince !== undefined) {
      const took = (this.now() - before.deletingSince) / 1000;
      this.each((f, d) => f.terminationDuration.observe(this.labels({}, before.extra, d), took));
    }
    for (const f of before.finalizers) this.finalized(before.ref, f);
  }

  private finalized(ref: Event["involvedObject"], finalizer: string): void {
    this.publish({ involvedObject: ref, type: "Normal", reason: "Finalized", message: `Finalized ${finalizer}` });
  }

  /** The kind's own families get the object labels; the kind-less ones group and kind instead. */
  private labels(base: Labels, extra: Labels, deprecated: boolean): Labels {
    return deprecated ? { ...base, group: this.kind.group, kind: this.kind.kind } : { ...base, ...extra };
  }

  private each(fn: (f: StatusFamilySet, deprecated: boolean) => void): void {
    fn(this.families.own, false);
    if (this.families.deprecated) fn(this.families.deprecated, true);
  }
}
