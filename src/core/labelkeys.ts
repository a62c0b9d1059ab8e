// Label keys as requirements see them: deprecated spellings that mean the same as a stable key
// (Karpenter normalizes them too), and the pseudo-label for node selector matchFields.

const normalized: Record<string, string> = {
  "failure-domain.beta.kubernetes.io/zone": "topology.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region": "topology.kubernetes.io/region",
  "beta.kubernetes.io/arch": "kubernetes.io/arch",
  "beta.kubernetes.io/os": "kubernetes.io/os",
  "beta.kubernetes.io/instance-type": "node.kubernetes.io/instance-type",
};

export function normalizeLabelKey(key: string): string {
  return Object.hasOwn(normalized, key) ? normalized[key]! : key;
}

/**
 * A label's value, or undefined when the object does not carry it. Labels are plain objects, so a
 * key such as "constructor" or "toString" must not find what every object inherits.
 */
export function labelValue(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** The pseudo-label for node selector `matchFields` on metadata.name. */
export const NodeNameField = "metadata.name";
