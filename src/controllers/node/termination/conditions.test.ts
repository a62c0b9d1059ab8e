import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../../../apis/common.js";
import { terminationConditionUpdates } from "./conditions.js";

const at = "2026-01-01T00:00:00Z";
const draining: Condition = { type: "Drained", status: "Unknown", reason: "Draining", message: "Draining", lastTransitionTime: at };
const brief = (cs: { type: string; status: string; reason: string; message?: string }[]) => cs.map((c) => `${c.type}=${c.status}/${c.reason}/${c.message ?? ""}`);

describe("termination conditions (Karpenter's node termination controller)", () => {
  const cases: [string, Condition[], Parameters<typeof terminationConditionUpdates>[1], string[]][] = [
    ["a drain starting marks Drained Unknown", [], { step: "draining" }, ["Drained=Unknown/Draining/Draining"]],
    ["a drain resumed keeps the first mark (and its time)", [draining], { step: "draining" }, []],
    ["a drained node is Drained True", [draining], { step: "drained" }, ["Drained=True/Drained/"]],
    ["no attachment left: VolumesDetached True", [], { step: "volumes", pending: 0, pastDeadline: false }, ["VolumesDetached=True/VolumesDetached/"]],
    ["attachments left: Unknown, awaiting", [], { step: "volumes", pending: 2, pastDeadline: false }, ["VolumesDetached=Unknown/AwaitingVolumeDetachment/AwaitingVolumeDetachment"]],
    ["attachments left past the grace period: False", [], { step: "volumes", pending: 1, pastDeadline: true }, ["VolumesDetached=False/TerminationGracePeriodElapsed/TerminationGracePeriodElapsed"]],
    ["no attachment past the grace period: True", [], { step: "volumes", pending: 0, pastDeadline: true }, ["VolumesDetached=True/VolumesDetached/"]],
    ["the cloud asked to terminate: InstanceTerminating True", [], { step: "terminating" }, ["InstanceTerminating=True/InstanceTerminating/"]],
  ];
  for (const [name, before, step, want] of cases) it(name, () => assert.deepEqual(brief(terminationConditionUpdates(before, step)), want));
});
