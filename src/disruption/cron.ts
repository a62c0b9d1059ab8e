// When a scheduled window (a disruption budget's schedule + duration, or a sleep window) is open.
// Karpenter's rule, in its time zone: the window is open at `now` when the schedule fired at some
// instant in (now − duration, now]. croner does the calendar arithmetic, DST included: a time that
// does not exist on the day clocks go forward fires at the first valid time after it, and a time
// that happens twice fires once.
import { Cron } from "croner";

export interface Window {
  schedule: string;
  durationMs: number;
  /** IANA time zone the schedule is read in; UTC when absent. */
  timeZone?: string;
}

const cache = new Map<string, Cron>();

/** A parsed schedule (5 fields or a macro such as @daily); throws with croner's words when invalid. */
export function cronOf(schedule: string, timeZone = "UTC"): Cron {
  const key = `${timeZone}\u0000${schedule}`;
  let c = cache.get(key);
  if (!c) {
    c = new Cron(schedule.trim(), { timezone: timeZone, mode: "5-part", paused: true });
    if (cache.size > 1000) cache.clear();
    cache.set(key, c);
  }
  return c;
}

/** The first time the schedule fires strictly after `after`, or undefined if never. */
export function nextFire(w: Window, after: number): number | undefined {
  const d = cronOf(w.schedule, w.timeZone).nextRun(new Date(after));
  return d ? d.getTime() : undefined;
}

/** Whether the window is open at `now`. */
export function windowOpen(w: Window, now: number): boolean {
  const hit = nextFire(w, now - w.durationMs);
  return hit !== undefined && hit <= now;
}

/**
 * When the window open at `now` closes: the last fire in (now − duration, now] plus the duration,
 * extended while later fires keep it open. Undefined when it is not open.
 */
export function windowEnd(w: Window, now: number): number | undefined {
  let hit = nextFire(w, now - w.durationMs);
  if (hit === undefined || hit > now) return undefined;
  // The latest fire at or before now.
  for (let i = 0; i < 10_000; i++) {
    const next = nextFire(w, hit);
    if (next === undefined || next > now) break;
    hit = next;
  }
  let end = hit + w.durationMs;
  for (let i = 0; i < 10_000; i++) {
    const next = nextFire(w, hit);
    if (next === undefined || next >= end) break;
    hit = next;
    end = hit + w.durationMs;
  }
  return end;
}

/** When the window next opens after `now` (undefined if it never does). */
export function nextOpening(w: Window, now: number): number | undefined {
  return nextFire(w, now);
}
