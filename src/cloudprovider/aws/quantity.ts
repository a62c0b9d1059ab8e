// Kubernetes quantity strings ("500m", "4Gi", "1.5", "20G") to numbers, for the few places where
// the EC2NodeClass carries quantities (kubelet reserved/eviction maps, volume sizes). The core keeps
// resources as canonical numbers (see ResourceList), so conversion happens here, at the edge.

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const quantityRe = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/** The value of a quantity in base units (cores for cpu, bytes for memory). Throws on malformed input. */
export function parseQuantity(text: string): number {
  const m = quantityRe.exec(text.trim());
  if (!m) throw new Error(`invalid quantity "${text}": expected a number with an optional suffix like 500m, 2, 4Gi`);
  const n = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix in binarySuffixes) return n * binarySuffixes[suffix]!;
  if (suffix in decimalSuffixes) return n * decimalSuffixes[suffix]!;
  return n * 10 ** Number(suffix.slice(1));
}

/**
 * A quantity in tenon's canonical unit for the resource: millicores for cpu, whole units
 * (bytes, counts) otherwise. Rounds up, as Kubernetes does when it takes MilliValue/Value.
 */
export function canonicalQuantity(resource: string, text: string): number {
  const v = parseQuantity(text);
  // The epsilon absorbs float noise such as 0.1 * 1000 = 100.00000000000001.
  if (resource === "cpu") return Math.ceil(v * 1000 - 1e-9);
  return Math.ceil(v - 1e-9);
}

export const Mi = 2 ** 20;
export const Gi = 2 ** 30;
