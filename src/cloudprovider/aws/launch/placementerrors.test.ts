import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPlacementGroupUnusable, isSpreadLimit, placementGroupFailure } from "./placementerrors.js";

describe("EC2's placement group answers", () => {
  it("the spread group limit is read from EC2's message", () => {
    assert.equal(isSpreadLimit({ message: "You've reached the limit of instances in this spread placement group. A spread placement group can have up to seven instances per Availability Zone." }), true);
    assert.equal(isSpreadLimit({ message: "We currently do not have sufficient capacity" }), false);
  });
  it("the group gone, invalid or in use is the group's, not an offering's", () => {
    for (const code of ["InvalidPlacementGroup.Unknown", "InvalidPlacementGroup", "InvalidPlacementGroup.InUse", "InvalidPlacementGroupId.Malformed"]) assert.equal(isPlacementGroupUnusable(code), true, code);
    for (const code of ["InsufficientInstanceCapacity", "InvalidParameterValue", undefined]) assert.equal(isPlacementGroupUnusable(code), false, String(code));
    assert.deepEqual(
      placementGroupFailure([
        { code: "InsufficientInstanceCapacity", message: "none" },
        { code: "InvalidPlacementGroup.Unknown", message: "The Placement Group 'gone' is unknown." },
      ]),
      { code: "InvalidPlacementGroup.Unknown", message: "The Placement Group 'gone' is unknown." },
    );
    assert.equal(placementGroupFailure([{ code: "InsufficientInstanceCapacity", message: "none" }]), undefined);
  });
});
