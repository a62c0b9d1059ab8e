// Canonical numbers (ResourceList) ↔ Kubernetes quantities in NodeClaim specs and status.
import type { Quantity } from "../../apis/common.js";
import type { ResourceList } from "../types.js";
import { canonicalQuantity } from "./quantity.js";

/** A canonical number as a Kubernetes quantity: "1500m"/"2" for cpu, "7577Mi" or bytes for memory. */
export function formatQuantity(resource: string, value: number): string {
  if (resource === "cpu") return value % 1000 === 0 ? String(value / 1000) : `${value}m`;
  for (const [suffix, unit] of [
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ] as const) {
    if (value !== 0 && value % unit === 0 && (resource === "memory" || resource === "ephemeral-storage" || resource.startsWith("hugepages-"))) return `${value / unit}${suffix}`;
  }
  return String(value);
}

export function toQuantities(list: ResourceList): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([k, v]) => [k, formatQuantity(k, v)]));
}

export function fromQuantities(list: Record<string, Quantity> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) out[k] = typeof v === "number" ? (k === "cpu" ? v * 1000 : v) : canonicalQuantity(k, v);
  return out;
}

/** Whether requests fit in what is allocatable (resources the type lacks fit only at zero). */
export const fits = (requests: ResourceList, allocatable: ResourceList): boolean => Object.entries(requests).every(([k, v]) => v <= (allocatable[k] ?? 0));
