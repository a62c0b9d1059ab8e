import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FleetRequest, createFleetInput, targetCapacityType } from "./fleet.js";

const req = (extra: Partial<FleetRequest>): FleetRequest => ({ capacityType: "on-demand", configs: [{ launchTemplateName: "lt", overrides: [{ instanceType: "m5.large", subnetID: "subnet-1", zone: "us-east-1a" }] }], tags: {}, clientToken: "t", ...extra });

describe("CreateFleet's target capacity for each capacity type (Karpenter v1.14)", () => {
  it("spot, on-demand, and a reservation by its kind", () => {
    assert.equal(targetCapacityType({ capacityType: "spot" }), "spot");
    assert.equal(targetCapacityType({ capacityType: "on-demand" }), "on-demand");
    assert.equal(targetCapacityType({ capacityType: "reserved", reservation: { type: "default", interruptible: false } }), "on-demand");
    assert.equal(targetCapacityType({ capacityType: "reserved", reservation: { type: "capacity-block", interruptible: false } }), "capacity-block");
    assert.equal(targetCapacityType({ capacityType: "reserved", reservation: { type: "default", interruptible: true } }), "reserved-capacity");
  });
  it("the options that go with each target", () => {
    const block = createFleetInput(req({ capacityType: "reserved", reservation: { type: "capacity-block", interruptible: false } }));
    assert.deepEqual([block.OnDemandOptions, block.SpotOptions, block.ReservedCapacityOptions], [undefined, undefined, undefined]);
    const intr = createFleetInput(req({ capacityType: "reserved", reservation: { type: "default", interruptible: true } }));
    assert.deepEqual(intr.ReservedCapacityOptions, { ReservationTypes: ["interruptible-capacity-reservation"] });
    assert.equal(intr.OnDemandOptions, undefined);
    assert.deepEqual(createFleetInput(req({ capacityType: "reserved", reservation: { type: "default", interruptible: false } })).OnDemandOptions, { AllocationStrategy: "lowest-price" });
    assert.deepEqual(createFleetInput(req({ capacityType: "spot", prioritized: true })).SpotOptions, { AllocationStrategy: "capacity-optimized-prioritized" });
  });
});
