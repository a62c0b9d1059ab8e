// Pure: whether a registered node is ready for pods, as Karpenter decides it.
import type { V1Node } from "@kubernetes/client-node";
import { ConditionRegistered } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { parseQuantity } from "../../../core/quantity.js";
import { formatTaint, isEphemeralTaint } from "../../../scheduling/taints.js";
import { isTrue } from "../../shared/conditions.js";
import { nodeReadyStatus } from "../../shared/objects.js";

export type InitializationCheck = { initialized: true } | { initialized: false; reason: string; message: string };

/**
 * A claim's node is initialized when the claim is registered, the node is Ready, none of the
 * claim's startup taints and none of the known ephemeral taints (not-ready, unreachable,
 * uninitialized, unregistered) remain, and every resource the claim requested is in the node's
 * allocatable (device plugins register extended resources some time after the kubelet starts).
 */
export function initializationCheck(claim: NodeClaim, node: V1Node | undefined): InitializationCheck {
  if (!isTrue(claim.status?.conditions, ConditionRegistered)) return { initialized: false, reason: "NotRegistered", message: "Node not registered with cluster" };
  if (!node) return { initialized: false, reason: "NodeNotFound", message: "Node not registered with cluster" };
  if (nodeReadyStatus(node) !== "True") return { initialized: false, reason: "NodeNotReady", message: "Node status is NotReady" };
  const taints = node.spec?.taints ?? [];
  for (const startup of claim.spec.startupTaints ?? []) {
    const left = taints.find((t) => t.key === startup.key && t.effect === startup.effect);
    if (left) return { initialized: false, reason: "StartupTaintsExist", message: `StartupTaint "${formatTaint(left)}" still exists` };
  }
  const ephemeral = taints.find(isEphemeralTaint);
  if (ephemeral) return { initialized: false, reason: "KnownEphemeralTaintsExist", message: `KnownEphemeralTaint "${formatTaint(ephemeral)}" still exists` };
  const allocatable = node.status?.allocatable ?? {};
  for (const [resource, quantity] of Object.entries(claim.spec.resources?.requests ?? {})) {
    if (parseQuantity(quantity, resource) === 0) continue;
    const have = allocatable[resource];
    if (have === undefined || parseQuantity(have, resource) === 0) {
      return { initialized: false, reason: "ResourceNotRegistered", message: `Resource "${resource}" was requested but not registered` };
    }
  }
  return { initialized: true };
}
