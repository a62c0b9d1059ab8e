// Resource quantities as the API server takes them: a Kubernetes quantity string, or a JSON/YAML
// number (the API server reads `cpu: 0.5` as "0.5"), never negative where it checks so. Values go
// through the planner's own parser, so what passes here is what it computes with.
import { parseQuantity } from "../../../core/quantity.js";
import { type Issues, child, entries, invalid } from "./issues.js";

/** The quantity string a YAML/JSON number stands for, as the API server reads it. */
export function quantityText(v: string | number): string {
  return typeof v === "number" ? String(v) : v;
}

/** The value in the planner's units, or why it is not a quantity. */
const quantityHelp = "must be a Kubernetes quantity such as 500m, 2, 1.5Gi or 1e3";

export function readQuantity(v: unknown, resource: string): { value: number } | { error: string } {
  if (typeof v === "number" && !Number.isFinite(v)) return { error: "must be a finite number" };
  if (typeof v !== "string" && typeof v !== "number") return { error: "must be a quantity (a string such as 500m or 4Gi, or a number)" };
  try {
    return { value: parseQuantity(quantityText(v), resource) };
  } catch {
    return { error: quantityHelp };
  }
}

/** Checks every quantity of a resource map, optionally refusing negatives; returns the values read. */
export function checkQuantities(list: unknown, path: string, out: Issues, nonNegative: boolean): Map<string, number> {
  const values = new Map<string, number>();
  for (const [name, v] of entries(list)) {
    const at = child(path, name);
    const q = readQuantity(v, name);
    if ("error" in q) out.push({ path: at, message: invalid(v, q.error) });
    else if (nonNegative && q.value < 0) out.push({ path: at, message: invalid(v, "must be greater than or equal to 0") });
    else values.set(name, q.value);
  }
  return values;
}
