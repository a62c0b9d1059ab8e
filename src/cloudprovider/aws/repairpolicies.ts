// The node conditions the AWS provider repairs, and how long each must last first: Karpenter's AWS
// provider's list — the kubelet's Ready, and the conditions EKS's node monitoring agent reports.

/** A node condition, its unhealthy status, and how long it is tolerated before the node is replaced. */
export interface RepairPolicy {
  conditionType: string;
  conditionStatus: "True" | "False" | "Unknown";
  tolerationMs: number;
}

export const awsRepairPolicies: readonly RepairPolicy[] = [
  { conditionType: "Ready", conditionStatus: "False", tolerationMs: 30 * 60_000 },
  { conditionType: "Ready", conditionStatus: "Unknown", tolerationMs: 30 * 60_000 },
  { conditionType: "AcceleratedHardwareReady", conditionStatus: "False", tolerationMs: 10 * 60_000 },
  { conditionType: "StorageReady", conditionStatus: "False", tolerationMs: 30 * 60_000 },
  { conditionType: "NetworkingReady", conditionStatus: "False", tolerationMs: 30 * 60_000 },
  { conditionType: "KernelReady", conditionStatus: "False", tolerationMs: 30 * 60_000 },
  { conditionType: "ContainerRuntimeReady", conditionStatus: "False", tolerationMs: 30 * 60_000 },
];
