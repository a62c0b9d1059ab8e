// Kubernetes resource quantities ("100m", "1.5", "2Gi", "1e3") converted to the canonical numbers the
// core computes with (see ResourceList in src/cloudprovider/types.ts): cpu in millicores, every other
// resource in its base unit (bytes for memory, storage and hugepages; a count for pods and extended
// resources). Parsing is exact (BigInt) so "1.1" cpu is 1100m, not 1100.0000000000002.

const binaryMultipliers: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const quantityRe = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

/** The canonical unit of a resource: millicores for cpu, the base unit for everything else. */
export function canonicalScale(resource: string): number {
  return resource === "cpu" ? 1000 : 1;
}

/**
 * Parses a quantity into canonical units for `resource`, rounding up to a whole unit as kube's
 * MilliValue()/Value() do (a request of "0.5m" cpu reserves 1m; "100m" of memory reserves 1 byte).
 */
export function parseQuantity(quantity: string | number, resource: string): number {
  if (typeof quantity === "string") {
    const key = `${resource}\u0000${quantity}`;
    let v = parsed.get(key);
    if (v === undefined) {
      v = parseString(quantity, resource);
      if (parsed.size < 100_000) parsed.set(key, v);
    }
    return v;
  }
  if (!Number.isFinite(quantity)) throw new Error(`invalid quantity ${quantity} for ${resource}: must be finite`);
  return Math.ceil(quantity * canonicalScale(resource) - 1e-9);
}

/** Quantities repeat (every replica of a deployment asks for the same): each string is parsed once (a pure memo). */
const parsed = new Map<string, number>();

function parseString(quantity: string, resource: string): number {
  const m = quantityRe.exec(quantity.trim());
  if (!m) throw new Error(`invalid quantity "${quantity}" for ${resource}: expected a Kubernetes quantity such as 500m, 2, 1.5Gi or 1e3`);
  const [, sign, number, suffix, exponent] = m;
  const [whole, fraction = ""] = number!.split(".");
  let numerator = BigInt(`${whole || "0"}${fraction}` || "0");
  let exp10 = -fraction.length;
  if (suffix !== undefined && binaryMultipliers[suffix] !== undefined) numerator *= binaryMultipliers[suffix];
  else if (suffix !== undefined) exp10 += decimalExponents[suffix]!;
  if (exponent !== undefined) exp10 += Number(exponent);
  numerator *= BigInt(canonicalScale(resource));
  let value: bigint;
  if (exp10 >= 0) value = numerator * 10n ** BigInt(exp10);
  else {
    const denominator = 10n ** BigInt(-exp10);
    // Round away from zero, as kube does when a quantity is finer than its unit.
    value = (numerator + denominator - 1n) / denominator;
  }
  return Number(sign === "-" ? -value : value);
}

/** Parses a map of quantities (a container's requests, a node's allocatable) into a ResourceList. */
export function parseResourceList(list: Record<string, string | number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!list) return out;
  for (const [name, q] of Object.entries(list)) out[name] = parseQuantity(q, name);
  return out;
}

const byteResources = (resource: string): boolean =>
  resource === "memory" || resource === "ephemeral-storage" || resource.startsWith("hugepages-") || resource === "storage";

/** Formats a canonical value back into the quantity string Kubernetes would print ("1500m", "2Gi", "3"). */
export function formatQuantity(value: number, resource: string): string {
  if (resource === "cpu") return value % 1000 === 0 ? String(value / 1000) : `${value}m`;
  if (byteResources(resource) && value !== 0 && Number.isInteger(value)) {
    for (const suffix of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
      const unit = Number(binaryMultipliers[suffix]);
      if (value % unit === 0) return `${value / unit}${suffix}`;
    }
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
  if (byteResources(resource)) {
    const units: [string, number][] = [
      ["Ti", 2 ** 40],
      ["Gi", 2 ** 30],
      ["Mi", 2 ** 20],
      ["Ki", 2 ** 10],
    ];
    for (const [suffix, unit] of units) if (Math.abs(value) >= unit) return `${trim(value / unit, 1)}${suffix} ${resource}`;
    return `${value} ${resource}`;
  }
  return `${trim(value, 2)} ${resource}`;
}
