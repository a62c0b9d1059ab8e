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
  return normalized[key] ?? key;
}

/** The pseudo-label for node selector `matchFields` on metadata.name. */
export const NodeNameField = "metadata.name";
