// Events Karpenter writes that tenon's controllers had no equivalent of, with Karpenter's reason,
// type, message and dedupe window, so `kubectl get events --field-selector reason=…` and alerts on
// them keep working. tenon's own explanation goes beside it (in FailedScheduling messages, logs and
// conditions), never in place of it.
import type { NodePool } from "../../apis/nodepool.js";
import type { InstanceType } from "../../cloudprovider/types.js";
import { specsCompatible } from "../../core/requirements.js";
import type { Event } from "../../operator/events.js";

const OneMinute = 60_000;

/** The instance types a NodePool's requirements leave (Karpenter filters them the same way before it schedules). */
export function compatibleInstanceTypes(np: NodePool, types: readonly InstanceType[]): InstanceType[] {
  const wanted = np.spec.template.spec.requirements;
  return types.filter((t) => specsCompatible(t.requirements, wanted));
}

/** Karpenter's NoCompatibleInstanceTypes, on the NodePool whose requirements leave no instance type. */
export function noCompatibleInstanceTypesEvent(np: NodePool, minValuesIncompatible = false): Event {
  const uid = np.metadata.uid;
  return {
    involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodePool", name: np.metadata.name ?? "", ...(uid ? { uid } : {}) },
    type: "Warning",
    reason: "NoCompatibleInstanceTypes",
    message: minValuesIncompatible
      ? "NodePool requirements filtered out all compatible available instance types due to minValues incompatibility"
      : "NodePool requirements filtered out all compatible available instance types",
    dedupeValues: [uid ?? np.metadata.name ?? ""],
    dedupeTimeoutMs: OneMinute,
  };
}
