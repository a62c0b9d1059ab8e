// Pure: when a node is unhealthy enough to be repaired (replaced), as Karpenter's node health
// controller decides it. A repair policy names a node condition, the status that is unhealthy and
// how long it is tolerated; a node is repaired once a matching condition has lasted that long
// (measured from its lastTransitionTime), unless more than 20 % of its NodePool's nodes are
// unhealthy right now — then the cause is likely not the nodes, and replacing them would not help.
import type { V1Node } from "@kubernetes/client-node";
import { timeOf } from "../../state/predicates.js";

export interface RepairPolicy {
  conditionType: string;
  conditionStatus: "True" | "False" | "Unknown";
  tolerationMs: number;
}

/** Karpenter's limit: no repair while more than this share of a NodePool's nodes are unhealthy. */
export const allowedUnhealthyFraction = 0.2;

export interface Unhealthy {
  conditionType: string;
  /** When the repair is due (the condition's transition plus the policy's toleration), ms. */
  repairAt: number;
}

/** The matching condition whose repair falls due first, or undefined for a healthy node. */
export function unhealthyCondition(node: V1Node, policies: readonly RepairPolicy[]): Unhealthy | undefined {
  let out: Unhealthy | undefined;
  for (const p of policies) {
    const c = node.status?.conditions?.find((x) => x.type === p.conditionType);
    if (!c || c.status !== p.conditionStatus) continue;
    // A condition without a transition time is taken as having just turned.
    const since = timeOf(c.lastTransitionTime) ?? Number.POSITIVE_INFINITY;
    const repairAt = since + p.tolerationMs;
    if (!out || repairAt < out.repairAt) out = { conditionType: p.conditionType, repairAt };
  }
  return out;
}

/** Whether any policy's condition currently has its unhealthy status (however long). */
export function isUnhealthy(node: V1Node, policies: readonly RepairPolicy[]): boolean {
  return policies.some((p) => node.status?.conditions?.some((c) => c.type === p.conditionType && c.status === p.conditionStatus));
}

/** The most unhealthy nodes a pool of `total` may have and still be repaired (20 %, rounded up). */
export function unhealthyThreshold(total: number): number {
  return Math.ceil(total * allowedUnhealthyFraction - 1e-9);
}

/** Whether repairs may go on among these nodes (a NodePool's, or the cluster's). */
export function repairsAllowed(nodes: readonly V1Node[], policies: readonly RepairPolicy[]): boolean {
  return nodes.filter((n) => isUnhealthy(n, policies)).length <= unhealthyThreshold(nodes.length);
}

/** Karpenter's metric label for a condition: `AcceleratedHardwareReady` → `accelerated_hardware_ready`. */
export function conditionLabel(conditionType: string): string {
  return conditionType.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
}
