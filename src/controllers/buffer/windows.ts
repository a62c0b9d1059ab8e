// Scheduled headroom (tenon.sh/active-windows): whether a CapacityBuffer asks for room at `now`.
// A buffer with windows is active from `lead` before a window opens until it closes, so that its
// nodes are up when the window starts; `lead` is the node start-up time tenon measured
// (startup.ts). Windows are written and parsed exactly as sleep windows are (src/disruption/sleep.ts,
// cron.ts): cron in the window's time zone, a duration of elapsed time. Pure.
import type { CapacityBuffer } from "../../apis/capacitybuffer.js";
import { ActiveWindowsAnnotation } from "../../disruption/annotations.js";
import { nextFire, windowEnd } from "../../disruption/cron.js";
import { localTime, parseSleepWindows, type SleepWindow } from "../../disruption/sleep.js";

export type Activity =
  /** No annotation: upstream's buffer, always active. */
  | { kind: "always" }
  | { kind: "active"; window: SleepWindow; opensAt: number; closesAt: number }
  | { kind: "inactive"; window?: SleepWindow; nextActiveAt?: number }
  | { kind: "invalid"; field: string; message: string };

const parsed = new Map<string, SleepWindow[] | Error>();

function windowsOf(text: string): SleepWindow[] | Error {
  let c = parsed.get(text);
  if (!c) {
    try {
      c = parseSleepWindows(text);
    } catch (err) {
      c = err instanceof Error ? err : new Error(String(err));
    }
    if (parsed.size > 500) parsed.clear();
    parsed.set(text, c);
  }
  return c;
}

/** The field path of the annotation, for conditions and events. */
export const activeWindowsField = `metadata.annotations[${ActiveWindowsAnnotation}]`;

/**
 * The buffer's activity at `now`, with `leadMs` of start-up time: active when one of its windows
 * is open at some instant of [now, now + lead]. `closesAt` / `nextActiveAt` say when to look again.
 */
export function bufferActivity(buffer: Pick<CapacityBuffer, "metadata">, now: number, leadMs: number): Activity {
  const text = buffer.metadata.annotations?.[ActiveWindowsAnnotation];
  if (text === undefined) return { kind: "always" };
  const windows = windowsOf(text);
  if (windows instanceof Error) return { kind: "invalid", field: activeWindowsField, message: windows.message };
  if (windows.length === 0) return { kind: "inactive" };
  let best: Extract<Activity, { kind: "active" }> | undefined;
  let next: { at: number; window: SleepWindow } | undefined;
  for (const w of windows) {
    const closesNow = windowEnd(w, now);
    if (closesNow !== undefined) {
      // Open now: active until it closes (the latest close of the open windows).
      if (!best || closesNow > best.closesAt) best = { kind: "active", window: w, opensAt: closesNow - w.durationMs, closesAt: closesNow };
      continue;
    }
    const opens = nextFire(w, now);
    if (opens === undefined) continue;
    if (opens <= now + leadMs) {
      const closesAt = windowEnd(w, opens) ?? opens + w.durationMs;
      if (!best || closesAt > best.closesAt) best = { kind: "active", window: w, opensAt: opens, closesAt };
    } else if (!next || opens - leadMs < next.at) {
      next = { at: opens - leadMs, window: w };
    }
  }
  if (best) return best;
  return next ? { kind: "inactive", window: next.window, nextActiveAt: next.at } : { kind: "inactive" };
}

/**
 * The activity, held on: a buffer switched on for a window stays on until that window closes,
 * even if a shorter start-up time measured meanwhile (its own node came up fast) would put the
 * window's opening outside the lead again. `held` is the activity it was switched on with.
 */
export function holdActivity(held: Extract<Activity, { kind: "active" }> | undefined, now: Activity, at: number): Activity {
  if (now.kind === "inactive" && held && held.closesAt > at) return held;
  return now;
}

/** When the activity may change (to requeue the buffer then), if it can. */
export function nextChange(a: Activity): number | undefined {
  if (a.kind === "active") return a.closesAt;
  if (a.kind === "inactive") return a.nextActiveAt;
  return undefined;
}

/** Words for conditions and `tenon simulate`. */
export function describeActivity(a: Activity, leadMs: number): string {
  const lead = `${Math.round(leadMs / 1000)}s`;
  switch (a.kind) {
    case "always":
      return "active (no active windows)";
    case "active":
      return `active for window "${a.window.schedule}" (${a.window.duration}) opening ${localTime(a.opensAt, a.window.timeZone)}, until ${localTime(a.closesAt, a.window.timeZone)}; started ${lead} ahead for node start-up (${ActiveWindowsAnnotation})`;
    case "inactive":
      return a.nextActiveAt !== undefined && a.window
        ? `outside its active windows; room is launched from ${localTime(a.nextActiveAt, a.window.timeZone)} (${lead} before window "${a.window.schedule}" opens, ${ActiveWindowsAnnotation})`
        : `outside its active windows, none of which opens again (${ActiveWindowsAnnotation})`;
    case "invalid":
      return `${a.field}: ${a.message}`;
  }
}
