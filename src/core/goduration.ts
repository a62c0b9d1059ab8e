// Go's time.ParseDuration, exactly: the grammar [-+]?([0-9]*(\.[0-9]*)?unit)+ with units ns, us
// (µs, μs), ms, s, m, h, a bare "0", nanosecond integers that overflow past ±2^63, fractions
// accumulated as Go accumulates them (through a float64), and Go's error texts, byte for byte.
// Karpenter reads karpenter.sh/do-not-disrupt durations with it, so what it accepts, tenon accepts.

const MaxMagnitude = 1n << 63n; // |math.MinInt64|
const MaxInt64 = MaxMagnitude - 1n;
const Uint64Mask = (1n << 64n) - 1n;

const units: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // µ, the micro sign
  "\u03bcs": 1_000n, // μ, the Greek letter mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** A value Go's ParseDuration refuses; `message` is Go's error text. */
export class GoDurationError extends Error {
  override readonly name = "GoDurationError";
}

const utf8 = new TextEncoder();
const hex = (b: number): string => `\\x${b.toString(16).padStart(2, "0")}`;

/** Go's time.quote: ASCII printable as is (`"` and `\` escaped), every byte of anything else as \xNN. */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) {
      for (const b of utf8.encode(ch)) out += hex(b);
    } else out += ch === '"' || ch === "\\" ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** Parses a Go duration string into nanoseconds; throws GoDurationError with Go's message. */
export function parseGoDuration(orig: string): bigint {
  const invalid = () => new GoDurationError(`time: invalid duration ${goTimeQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  let d = 0n;
  let i = 0;
  while (i < s.length) {
    if (s[i] !== "." && !isDigit(s[i])) throw invalid();
    // [0-9]*: a uint64 that may not pass 2^63.
    let v = 0n;
    const start = i;
    for (; isDigit(s[i]); i++) {
      if (v > MaxMagnitude / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MaxMagnitude) throw invalid();
    }
    const pre = i !== start;
    // (\.[0-9]*)?: digits past the precision a uint64 holds are read and ignored.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === ".") {
      i++;
      const fracStart = i;
      let overflow = false;
      for (; isDigit(s[i]); i++) {
        if (overflow) continue;
        if (f > MaxInt64 / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
        if (y > MaxMagnitude) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i !== fracStart;
    }
    if (!pre && !post) throw invalid();
    // The unit: everything up to the next digit or period.
    const unitStart = i;
    while (i < s.length && s[i] !== "." && !isDigit(s[i])) i++;
    if (i === unitStart) throw new GoDurationError(`time: missing unit in duration ${goTimeQuote(orig)}`);
    const u = s.slice(unitStart, i);
    const unit = units[u];
    if (unit === undefined) throw new GoDurationError(`time: unknown unit ${goTimeQuote(u)} in duration ${goTimeQuote(orig)}`);
    if (v > MaxMagnitude / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // As Go: float64(f) * (float64(unit) / scale), truncated to an integer.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MaxMagnitude) throw invalid();
    }
    // A uint64 sum, wrapping as Go's does (2^63 + 2^63 is 0).
    d = (d + v) & Uint64Mask;
    if (d > MaxMagnitude) throw invalid();
  }
  if (neg) return -d;
  if (d > MaxInt64) throw invalid();
  return d;
}

/** A parse that reports instead of throwing. */
export function tryParseGoDuration(s: string): { ok: true; ns: bigint } | { ok: false; error: string } {
  try {
    return { ok: true, ns: parseGoDuration(s) };
  } catch (err) {
    if (err instanceof GoDurationError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Nanoseconds as (possibly fractional) milliseconds, for clocks that count in ms. */
export const nanosToMs = (ns: bigint): number => Number(ns) / 1e6;

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const namedEscapes: Readonly<Record<string, string>> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };

/**
 * Go's fmt %q of a string (strconv.Quote): `"` and `\` escaped, \a \b \f \n \r \t \v by name, other
 * control bytes as \xNN, characters Go does not print as \uNNNN or \UNNNNNNNN, the rest as is.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (namedEscapes[ch]) out += namedEscapes[ch];
    else if (c < 0x20 || c === 0x7f) out += hex(c);
    else if (printable.test(ch)) out += ch;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += `\\U${c.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}
