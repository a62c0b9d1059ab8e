// Go-style durations ("1h30m", "10s", "500ms"), the format Karpenter's API and flags use.
const unitMillis: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const durationRe = /^([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/;

/** Parses a Go duration into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  let rest = text.trim();
  if (rest === "0") return 0;
  if (rest === "") throw new Error(`invalid duration "${text}": empty`);
  let total = 0;
  while (rest.length > 0) {
    const m = durationRe.exec(rest);
    if (!m) throw new Error(`invalid duration "${text}": expected a number with a unit (ms, s, m, h) like "30s" or "1h30m"`);
    total += Number(m[1]) * unitMillis[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A Karpenter duration field that may also be "Never"; returns undefined for Never. */
export function parseNillableDuration(text: string): number | undefined {
  return text === "Never" ? undefined : parseDuration(text);
}

/** Formats milliseconds as a Go duration string ("1h2m3s"), for messages and status. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}
