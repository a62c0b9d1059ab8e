// Events Karpenter writes that tenon's controllers had no equivalent of, with Karpenter's reason,
// type, message and dedupe window, so `kubectl get events --field-selector reason=…` and alerts on
// them keep working. tenon's own explanation goes beside it (in FailedScheduling messages, logs and
// conditions), never in place of it.
import type { V1Pod } from "@kubernetes/client-node";
import type { NodePool } from "../../apis/nodepool.js";
import type { InstanceType } from "../../cloudprovider/types.js";
import { specsCompatible } from "../../core/requirements.js";
import type { Event } from "../../operator/events.js";
import { podProtection, protectionNote } from "../../state/donotdisrupt.js";
import { formatRFC3339 } from "../nodeclaim/lifecycle/termination.js";
import { podRef } from "./objects.js";

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

/**
 * What Karpenter announces on a pod when it reads the pod's karpenter.sh/do-not-disrupt duration
 * (deciding about its node, or draining it): a value it ignores (Warning), the moment a protection
 * ends, or that it has ended. Nothing for "true" or no annotation.
 */
export function doNotDisruptEvents(pod: V1Pod, now: number): Event[] {
  const note = protectionNote(podProtection(pod, now));
  if (!note) return [];
  const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
  const involvedObject = podRef(pod);
  switch (note.reason) {
    case "InvalidDoNotDisruptAnnotation":
      return [{ involvedObject, type: "Warning", reason: "InvalidDoNotDisruptAnnotation", message: `Invalid karpenter.sh/do-not-disrupt annotation: ${note.message}, ignoring annotation`, dedupeValues: [uid, note.message] }];
    case "DoNotDisruptUntil": {
      const at = formatRFC3339(note.until);
      return [{ involvedObject, type: "Normal", reason: "DoNotDisruptUntil", message: `The karpenter.sh/do-not-disrupt grace period will elapse at ${at}`, dedupeValues: [uid, at] }];
    }
    case "DoNotDisruptGracePeriodElapsed":
      return [{ involvedObject, type: "Normal", reason: "DoNotDisruptGracePeriodElapsed", message: "The karpenter.sh/do-not-disrupt grace period has elapsed, pod is now disruptable", dedupeValues: [uid] }];
  }
}
