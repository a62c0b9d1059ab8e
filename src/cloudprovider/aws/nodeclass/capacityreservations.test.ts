import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CAPACITY_BLOCK_EXPIRATION_WINDOW_MS, reservationEnded, reservationFilters, reservationFromEC2, reservationState } from "./capacityreservations.js";

const now = Date.parse("2026-01-01T12:00:00Z");
const at = (ms: number) => new Date(now + ms);
const base = { CapacityReservationId: "cr-1", InstanceType: "p5.48xlarge", AvailabilityZone: "us-east-1a", OwnerId: "123456789012", InstanceMatchCriteria: "targeted" as const, AvailableInstanceCount: 3 };

describe("capacity reservations as Karpenter v1.14 reads them", () => {
  it("a capacity block is expiring from 40 minutes before its end; other reservations never are", () => {
    const end = (ms: number) => at(ms).toISOString();
    const cases: [string | undefined, string | undefined, "active" | "expiring"][] = [
      ["capacity-block", end(CAPACITY_BLOCK_EXPIRATION_WINDOW_MS + 1), "active"],
      ["capacity-block", end(CAPACITY_BLOCK_EXPIRATION_WINDOW_MS), "expiring"],
      ["capacity-block", end(60_000), "expiring"],
      ["capacity-block", undefined, "active"],
      ["default", end(60_000), "active"],
    ];
    for (const [reservationType, endTime, want] of cases) assert.equal(reservationState({ reservationType, endTime }, now), want, `${reservationType} ending ${endTime}`);
  });
  it("a reservation has ended once its end date is reached", () => {
    assert.equal(reservationEnded({ endTime: at(0).toISOString() }, now), true);
    assert.equal(reservationEnded({ endTime: at(1).toISOString() }, now), false);
    assert.equal(reservationEnded({}, now), false);
  });
  it("reads EC2's answer: interruptible, type and state recorded; ended, unknown match criteria and incomplete ones dropped", () => {
    assert.deepEqual(reservationFromEC2({ ...base, Interruptible: true }, now), {
      id: "cr-1", availabilityZone: "us-east-1a", instanceType: "p5.48xlarge", ownerID: "123456789012", instanceMatchCriteria: "targeted",
      reservationType: "default", interruptible: true, state: "active", availableInstanceCount: 3,
    });
    const block = reservationFromEC2({ ...base, ReservationType: "capacity-block", EndDate: at(10 * 60_000) }, now);
    assert.deepEqual([block?.reservationType, block?.interruptible, block?.state, block?.endTime], ["capacity-block", false, "expiring", at(10 * 60_000).toISOString()]);
    assert.equal(reservationFromEC2({ ...base, EndDate: at(-1) }, now), undefined);
    assert.equal(reservationFromEC2({ ...base, InstanceMatchCriteria: "something-new" as never }, now), undefined);
    assert.equal(reservationFromEC2({ ...base, OwnerId: undefined }, now), undefined);
  });
  it("filters: state always; an id alone; otherwise tags, owner and instance match criteria", () => {
    assert.deepEqual(reservationFilters({ id: "cr-1" }), [{ Name: "state", Values: ["active"] }]);
    assert.deepEqual(reservationFilters({ tags: { team: "ml", any: "*" }, ownerID: "123456789012", instanceMatchCriteria: "open" }), [
      { Name: "state", Values: ["active"] },
      { Name: "tag:team", Values: ["ml"] },
      { Name: "tag-key", Values: ["any"] },
      { Name: "owner-id", Values: ["123456789012"] },
      { Name: "instance-match-criteria", Values: ["open"] },
    ]);
  });
});
