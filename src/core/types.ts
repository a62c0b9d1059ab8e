// The plain-data shapes every layer shares: resources as canonical numbers, and label
// requirements as Kubernetes writes them.

/**
 * Resources as plain numbers in canonical units, so every layer can add and compare them cheaply:
 * `cpu` in millicores; `memory`, `ephemeral-storage` and hugepages in bytes; `pods` and extended
 * resources (nvidia.com/gpu …) as counts. Quantity strings are converted at the edges only.
 */
export type ResourceList = Record<string, number>;

export const RequirementOperators = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"] as const;
export type RequirementOperator = (typeof RequirementOperators)[number];

/** One label requirement as plain data (the shape of a Kubernetes NodeSelectorRequirement). */
export interface RequirementSpec {
  key: string;
  operator: RequirementOperator;
  values?: string[];
  minValues?: number;
}
