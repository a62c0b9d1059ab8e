// The narrow requirement matching a launch needs: does an instance type (or one of its offerings)
// satisfy a NodeClaim's requirements, and does an AMI suit an instance type. The scheduler's full
// algebra lives in the core; this only answers yes/no for concrete labels.
import type { RequirementSpec } from "../types.js";

/** A requirement against what the other side says about the key (undefined: it says nothing). */
function satisfied(r: RequirementSpec, known: RequirementSpec | undefined): boolean {
  // A key the other side does not describe (a custom label) constrains nothing here.
  if (!known) return true;
  const absent = known.operator === "DoesNotExist";
  const values = known.operator === "In" ? (known.values ?? []) : undefined;
  switch (r.operator) {
    case "Exists":
      return !absent;
    case "DoesNotExist":
      // Only a side that says the label is (or may be) absent can go without it.
      return absent || known.operator === "NotIn";
    case "In":
      if (absent) return false;
      return values === undefined || values.some((v) => (r.values ?? []).includes(v));
    case "NotIn":
      if (absent) return true;
      return values === undefined || values.some((v) => !(r.values ?? []).includes(v));
    case "Gt":
    case "Lt": {
      if (absent) return false;
      const bound = Number(r.values?.[0]);
      return values === undefined || values.some((v) => (r.operator === "Gt" ? Number(v) > bound : Number(v) < bound));
    }
  }
}

/** Whether every requirement in `wanted` can hold for something described by `have`. */
export function compatible(have: RequirementSpec[], wanted: RequirementSpec[]): boolean {
  const byKey = new Map(have.map((r) => [r.key, r]));
  return wanted.every((r) => satisfied(r, byKey.get(r.key)));
}

/** The values `reqs` allow for `key` among `candidates` (all of them if `reqs` says nothing). */
export function allowedValues(reqs: RequirementSpec[], key: string, candidates: readonly string[]): string[] {
  return candidates.filter((c) => reqs.filter((r) => r.key === key).every((r) => satisfied(r, { key, operator: "In", values: [c] })));
}
