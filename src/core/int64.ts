// Integers as kube-scheduler reads the values of Gt/Lt requirements and the node labels they are
// compared with: Go's strconv.ParseInt(s, 10, 64) — an optional sign and decimal digits, within
// int64. "4.5", "64cores", " 4" and "" are not integers, and a requirement or label that is not
// one never matches.

const Int64Max = 2n ** 63n - 1n;
const Int64Min = -(2n ** 63n);

/** The value of `s` as strconv.ParseInt(s, 10, 64) reads it, or undefined where that fails. */
export function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  // Leading zeros are fine ("007"); more than 19 significant digits never fit.
  if (s.replace(/^[+-]?0*/, "").length > 19) return undefined;
  const v = BigInt(s);
  return v > Int64Max || v < Int64Min ? undefined : v;
}

/** Whether `s` is a base-10 int64 (what a Gt/Lt requirement value must be). */
export const isInt64 = (s: string): boolean => parseInt64(s) !== undefined;
