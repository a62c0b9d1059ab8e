// The termination conditions on a NodeClaim, as Karpenter's node termination controller writes them:
// Drained Unknown (reason Draining) from the start of the drain, True once drained; VolumesDetached
// Unknown (AwaitingVolumeDetachment) while VolumeAttachments of drained pods remain, False
// (TerminationGracePeriodElapsed) when the grace period ran out with some still there, True when none
// remain; InstanceTerminating True once the cloud was asked to terminate the instance. Pure.
import type { Condition } from "../../../apis/common.js";
import { ConditionDrained, ConditionInstanceTerminating, ConditionVolumesDetached } from "../../../apis/labels.js";
import { type ConditionUpdate, getCondition } from "../../shared/conditions.js";

export type TerminationStep = { step: "draining" } | { step: "drained" } | { step: "volumes"; pending: number; pastDeadline: boolean } | { step: "terminating" };

const isTrue = (type: string): ConditionUpdate => ({ type, status: "True", reason: type, message: "" });

/** What the step says about the claim's conditions (none when it says nothing new). */
export function terminationConditionUpdates(conditions: readonly Condition[] | undefined, s: TerminationStep): ConditionUpdate[] {
  switch (s.step) {
    // Only the first look starts the Unknown: a drain resumed after a restart keeps its start time.
    case "draining":
      return getCondition(conditions, ConditionDrained) ? [] : [{ type: ConditionDrained, status: "Unknown", reason: "Draining", message: "Draining" }];
    case "drained":
      return [isTrue(ConditionDrained)];
    case "volumes":
      if (s.pending === 0) return [isTrue(ConditionVolumesDetached)];
      if (!s.pastDeadline) return [{ type: ConditionVolumesDetached, status: "Unknown", reason: "AwaitingVolumeDetachment", message: "AwaitingVolumeDetachment" }];
      return [{ type: ConditionVolumesDetached, status: "False", reason: "TerminationGracePeriodElapsed", message: "TerminationGracePeriodElapsed" }];
    case "terminating":
      return [isTrue(ConditionInstanceTerminating)];
  }
}
