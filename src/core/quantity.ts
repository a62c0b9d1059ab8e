// Kubernetes resource quantities ("100m", "1.5", "2Gi", "1e3") read the way the API server reads
// them (resource.ParseQuantity, as JSON decoding calls it: surrounding white space trimmed, JSON
// numbers taken as their text), converted to the canonical numbers every layer computes with (see
// ResourceList): cpu in millicores, every other resource in its base unit (bytes for memory,
// storage and hugepages; a count for pods and extended resources).
//
// Bounded by construction: whatever the text (a CRD pattern admits "1e999999999" and a megabyte of
// digits), parsing looks at each character once and never builds a number larger than a few dozen
// digits. Values are exact: "1.1" cpu is 1100m, not 1100.0000000000002.

/** kube caps quantities at the largest int64; so does tenon (in canonical units). */
export const MaxQuantity = Number(2n ** 63n - 1n);

export const Ki = 2 ** 10;
export const Mi = 2 ** 20;
export const Gi = 2 ** 30;

/** A quantity the API server would refuse; `reason` says what is wrong with the text. */
export class QuantityError extends Error {
  constructor(
    readonly text: string,
    readonly reason: string,
  ) {
    super(`invalid quantity ${JSON.stringify(text)}: ${reason}; a quantity is a number with an optional suffix, such as 500m, 2, 1.5Gi or 1e3`);
    this.name = "QuantityError";
  }
}

const binaryExponents: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
// Characters resource.ParseQuantity scans as a suffix before an optional sign and digits.
const suffixChars = /^[eEinumkKMGTP]*/;

/** A parsed quantity: value = sign × digits × 10^decimalExp × 2^binaryExp. */
interface Parsed {
  negative: boolean;
  /** Significant digits without leading zeros ("" for zero). */
  digits: string;
  decimalExp: number;
  binaryExp: number;
}

function scan(text: string): Parsed {
  if (text.length === 0) throw new QuantityError(text, "it is empty");
  let pos = 0;
  let negative = false;
  if (text[0] === "-" || text[0] === "+") {
    negative = text[0] === "-";
    pos = 1;
  }
  const intStart = pos;
  while (pos < text.length && text.charCodeAt(pos) >= 48 && text.charCodeAt(pos) <= 57) pos++;
  const whole = text.slice(intStart, pos);
  let fraction = "";
  if (text[pos] === ".") {
    const fracStart = ++pos;
    while (pos < text.length && text.charCodeAt(pos) >= 48 && text.charCodeAt(pos) <= 57) pos++;
    fraction = text.slice(fracStart, pos);
  }
  const suffix = text.slice(pos);
  const letters = suffixChars.exec(suffix)![0];
  let rest = suffix.slice(letters.length);
  if (rest.startsWith("+") || rest.startsWith("-")) rest = rest.slice(1);
  if (!/^[0-9]*$/.test(rest)) throw new QuantityError(text, `${JSON.stringify(suffix)} is not a suffix (use n, u, m, k, M, G, T, P, E, Ki … Ei, or e<integer>)`);
  let decimalExp = -fraction.length;
  let binaryExp = 0;
  if (suffix in binaryExponents) binaryExp = binaryExponents[suffix]!;
  else if (suffix in decimalExponents) decimalExp += decimalExponents[suffix]!;
  else if (/^[eE][+-]?[0-9]+$/.test(suffix)) decimalExp += exponentOf(text, suffix.slice(1));
  else throw new QuantityError(text, `${JSON.stringify(suffix)} is not a suffix (use n, u, m, k, M, G, T, P, E, Ki … Ei, or e<integer>)`);
  const digits = `${whole}${fraction}`.replace(/^0+/, "");
  return { negative, digits, decimalExp, binaryExp };
}

/** The exponent of an "e<n>" suffix; kube reads it as an int64. Huge exponents saturate (the value caps or rounds anyway). */
function exponentOf(text: string, exp: string): number {
  const negative = exp.startsWith("-");
  const body = exp.replace(/^[+-]/, "").replace(/^0+/, "");
  if (body.length > 19 || BigInt(body || "0") > 2n ** 63n - 1n) throw new QuantityError(text, `the exponent ${exp} is out of range`);
  const n = body.length > 15 ? 1e15 : Number(body || "0");
  return negative ? -n : n;
}

/**
 * ceil(|value| × 10^shift), capped at MaxQuantity: kube rounds a quantity finer than the unit it is
 * read in away from zero (a request of "0.5m" cpu reserves 1m), and caps what exceeds int64.
 */
function magnitude(p: Parsed, shift: number): number {
  if (p.digits === "") return 0;
  const e = p.decimalExp + shift;
  const order = p.digits.length + e + p.binaryExp * Math.log10(2);
  if (order > 20) return MaxQuantity;
  if (order < -3) return 1;
  // Past 40 significant digits only whether anything non-zero follows matters (for rounding up).
  let digits = p.digits;
  let exp = e;
  let sticky = false;
  if (digits.length > 40) {
    sticky = /[1-9]/.test(digits.slice(40));
    exp += digits.length - 40;
    digits = digits.slice(0, 40);
  }
  let n = BigInt(digits) << BigInt(p.binaryExp);
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else {
    const d = 10n ** BigInt(-exp);
    const q = n / d;
    n = q + (q * d !== n || sticky ? 1n : 0n);
  }
  return n > 2n ** 63n - 1n ? MaxQuantity : Number(n);
}

/** The canonical unit of a resource: millicores for cpu, the base unit for everything else. */
export function canonicalScale(resource: string): number {
  return resource === "cpu" ? 1000 : 1;
}

/** Quantities repeat (every replica of a deployment asks for the same): each text is parsed once (a pure memo). */
const memo = new Map<string, number>();
const MemoLimit = 100_000;

/**
 * A quantity in canonical units for `resource`, rounded up to a whole unit as kube's
 * MilliValue()/Value() do. Throws QuantityError for text the API server would refuse.
 */
export function parseQuantity(quantity: string | number, resource: string): number {
  if (typeof quantity === "number") {
    if (!Number.isFinite(quantity)) throw new QuantityError(String(quantity), "it is not a finite number");
    quantity = String(quantity);
  }
  const key = `${resource}\u0000${quantity}`;
  let v = memo.get(key);
  if (v === undefined) {
    const p = scan(quantity.trim());
    const m = magnitude(p, resource === "cpu" ? 3 : 0);
    v = p.negative && m !== 0 ? -m : m;
    if (memo.size < MemoLimit && quantity.length < 64) memo.set(key, v);
  }
  return v;
}

/** Whether the API server would accept the text as a quantity. */
export function isQuantity(text: string): boolean {
  try {
    scan(text.trim());
    return true;
  } catch {
    return false;
  }
}

/** A quantity that could not be read, with the field it sits in (`limits.cpu`, `requests.memory`). */
export class ResourceListError extends Error {
  constructor(
    readonly field: string,
    readonly problem: QuantityError,
  ) {
    super(`${field}: ${problem.message}`, { cause: problem });
    this.name = "ResourceListError";
  }
}

/**
 * Parses a map of quantities (a container's requests, a NodePool's limits) into a ResourceList.
 * `field` prefixes the key in errors, so they name the field: "spec.limits" → "spec.limits.cpu".
 */
export function parseResourceList(list: Record<string, string | number> | undefined, field = ""): Record<string, number> {
  const out: Record<string, number> = {};
  if (!list) return out;
  for (const [name, q] of Object.entries(list)) {
    try {
      out[name] = parseQuantity(q, name);
    } catch (err) {
      if (err instanceof QuantityError) throw new ResourceListError(field ? `${field}.${name}` : name, err);
      throw err;
    }
  }
  return out;
}

/** Resources measured in bytes (printed with binary suffixes). */
export const isByteResource = (resource: string): boolean =>
  resource === "memory" || resource === "ephemeral-storage" || resource.startsWith("hugepages-") || resource === "storage";

const binarySuffixes: [string, number][] = [
  ["Ei", 2 ** 60],
  ["Pi", 2 ** 50],
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
];

/** Formats a canonical value back into the quantity string Kubernetes would print ("1500m", "2Gi", "3"). */
export function formatQuantity(value: number, resource: string): string {
  if (resource === "cpu") return value % 1000 === 0 ? String(value / 1000) : `${value}m`;
  if (isByteResource(resource) && value !== 0 && Number.isInteger(value)) {
    for (const [suffix, unit] of binarySuffixes) if (value % unit === 0) return `${value / unit}${suffix}`;
  }
  return String(value);
}

const trim = (n: number, digits: number): string => {
  const s = n.toFixed(digits);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
};

/** A short human reading for messages: "95.69 cpu", "370.3Gi memory", "110 pods". */
export function humanQuantity(value: number, resource: string): string {
  if (resource === "cpu") return `${trim(value / 1000, 2)} cpu`;
  if (isByteResource(resource)) {
    for (const [suffix, unit] of binarySuffixes.slice(2)) if (Math.abs(value) >= unit) return `${trim(value / unit, 1)}${suffix} ${resource}`;
    return `${value} ${resource}`;
  }
  return `${trim(value, 2)} ${resource}`;
}
