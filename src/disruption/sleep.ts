// Scheduled scale-to-zero (tenon.sh/sleep-windows). Inside a window a NodePool launches nothing
// (the provisioner asks `nodePoolAllowed`) and its nodes are drained and removed (the sleep method
// in plan.ts); when the window closes the provisioner plans for whatever is pending again.
// Windows are read in their own time zone with croner, so "20:00 Europe/Paris" stays 20:00 local
// across daylight saving changes; a duration is elapsed time.
import { parse as parseYAML } from "yaml";
import { parseDuration } from "../apis/duration.js";
import type { NodePool } from "../apis/nodepool.js";
import { SleepWindowsAnnotation } from "./annotations.js";
import { type Window, cronOf, windowEnd } from "./cron.js";

export interface SleepWindow extends Window {
  /** The duration as written, for messages. */
  duration: string;
}

export interface SleepConfig {
  windows: SleepWindow[];
  /** Why the annotation could not be read; a pool whose windows cannot be read never sleeps. */
  error?: string;
}

export type SleepState = { asleep: false; error?: string } | { asleep: true; until: number; window: SleepWindow };

const parsed = new Map<string, SleepConfig>();

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reads the annotation's text; throws an Error naming the entry and field at fault. */
export function parseSleepWindows(text: string): SleepWindow[] {
  let raw: unknown;
  try {
    raw = parseYAML(text);
  } catch (err) {
    throw new Error(`not YAML or JSON: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  if (raw === null || raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((entry: unknown, i) => {
    const where = `window ${i}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new Error(`${where}: expected an object with schedule, duration and optionally timeZone`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!["schedule", "duration", "timeZone"].includes(k)) throw new Error(`${where}: unknown field "${k}" (fields are schedule, duration, timeZone)`);
    if (typeof e.schedule !== "string" || e.schedule.trim() === "") throw new Error(`${where}: schedule must be a 5-field cron expression or a macro such as @daily`);
    if (typeof e.duration !== "string") throw new Error(`${where}: duration must be a duration such as "12h" or "8h30m"`);
    const timeZone = e.timeZone === undefined ? "UTC" : e.timeZone;
    if (typeof timeZone !== "string" || !validTimeZone(timeZone)) throw new Error(`${where}: timeZone ${JSON.stringify(e.timeZone)} is not an IANA time zone such as "Europe/Paris"`);
    let durationMs: number;
    try {
      durationMs = parseDuration(e.duration);
    } catch {
      throw new Error(`${where}: duration "${e.duration}" is not a duration such as "12h" or "8h30m"`);
    }
    if (durationMs <= 0) throw new Error(`${where}: duration must be longer than zero`);
    try {
      cronOf(e.schedule, timeZone);
    } catch (err) {
      throw new Error(`${where}: schedule "${e.schedule}": ${err instanceof Error ? err.message : String(err)}`);
    }
    return { schedule: e.schedule.trim(), duration: e.duration, durationMs, timeZone };
  });
}

/** The pool's sleep windows (cached per annotation text). */
export function sleepConfig(nodePool: NodePool): SleepConfig {
  const text = nodePool.metadata.annotations?.[SleepWindowsAnnotation];
  if (text === undefined) return { windows: [] };
  let c = parsed.get(text);
  if (!c) {
    try {
      c = { windows: parseSleepWindows(text) };
    } catch (err) {
      c = { windows: [], error: `annotation ${SleepWindowsAnnotation}: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (parsed.size > 500) parsed.clear();
    parsed.set(text, c);
  }
  return c;
}

/** Whether the pool is inside one of its sleep windows at `now`, and until when. */
export function sleepState(nodePool: NodePool, now: number): SleepState {
  const c = sleepConfig(nodePool);
  let best: { until: number; window: SleepWindow } | undefined;
  for (const w of c.windows) {
    const end = windowEnd(w, now);
    if (end !== undefined && (!best || end > best.until)) best = { until: end, window: w };
  }
  if (best) return { asleep: true, ...best };
  return c.error !== undefined ? { asleep: false, error: c.error } : { asleep: false };
}

/** A local wall-clock time in the window's zone, e.g. "2026-01-06 08:00 Europe/Paris". */
export function localTime(ms: number, timeZone = "UTC"): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${timeZone}`;
}

export function describeSleep(s: Extract<SleepState, { asleep: true }>): string {
  return `asleep until ${localTime(s.until, s.window.timeZone)} (sleep window "${s.window.schedule}" for ${s.window.duration}, ${SleepWindowsAnnotation})`;
}

/**
 * For the provisioner: whether the NodePool may launch nodes at `now`; inside a sleep window, the
 * reason it may not (added to the FailedScheduling explanation of pods that found no place).
 */
export function nodePoolAllowed(nodePool: NodePool, now: number): true | { reason: string } {
  const s = sleepState(nodePool, now);
  return s.asleep ? { reason: describeSleep(s) } : true;
}
