// ResourceList arithmetic: the one place lists of canonical numbers are added, subtracted,
// compared and written back as quantities.
import { formatQuantity } from "./quantity.js";
import type { ResourceList } from "./types.js";

/** Adds `add` into `target` (mutates target; for accumulating totals). */
export function addInto(target: ResourceList, add: ResourceList): ResourceList {
  for (const [k, v] of Object.entries(add)) target[k] = (target[k] ?? 0) + v;
  return target;
}

/** Raises each resource of `target` to at least `other`'s (mutates target). */
export function maxInto(target: ResourceList, other: ResourceList): ResourceList {
  for (const [k, v] of Object.entries(other)) if (v > (target[k] ?? 0)) target[k] = v;
  return target;
}

/** A new list: the sum of all. */
export function sumLists(...lists: ResourceList[]): ResourceList {
  const out: ResourceList = {};
  for (const l of lists) addInto(out, l);
  return out;
}

/** A new list: a − b per resource of a, never below zero. */
export function subtractFloor(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(a)) out[k] = Math.max(0, v - (b[k] ?? 0));
  return out;
}

/** Whether requests fit in what is allocatable (a resource the other side lacks fits only at zero). */
export function fitsIn(requests: ResourceList, allocatable: ResourceList): boolean {
  for (const [k, v] of Object.entries(requests)) if (v > (allocatable[k] ?? 0)) return false;
  return true;
}

/** The list as Kubernetes quantities ("1500m", "2Gi"), for objects tenon writes. */
export function toQuantities(list: ResourceList): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([k, v]) => [k, formatQuantity(v, k)]));
}
