import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Instance } from "@aws-sdk/client-ec2";
import { capacityTypeOf, instanceNodeClaim, placementOf, reservationOf } from "./nodeclaim.js";

const only = { CapacityReservationPreference: "capacity-reservations-only" as const };
const inst = (extra: Partial<Instance>): Instance => ({ InstanceId: "i-1", InstanceType: "p5.48xlarge", Placement: { AvailabilityZone: "us-east-1a" }, ...extra });

describe("an EC2 instance read as Karpenter v1.14 reads it", () => {
  it("reserved only when it targets its reservation; spot; on-demand otherwise", () => {
    assert.equal(capacityTypeOf(inst({ CapacityReservationId: "cr-1", CapacityReservationSpecification: only })), "reserved");
    assert.equal(capacityTypeOf(inst({ CapacityReservationId: "cr-1", CapacityReservationSpecification: { CapacityReservationPreference: "open" } })), "on-demand", "an open reservation it fell into");
    assert.equal(capacityTypeOf(inst({ CapacityReservationSpecification: only })), "on-demand", "its reservation ended");
    assert.equal(capacityTypeOf(inst({ InstanceLifecycle: "spot" })), "spot");
  });
  it("the reservation's kind comes from the instance lifecycle", () => {
    const r = (lifecycle?: Instance["InstanceLifecycle"]) => reservationOf(inst({ CapacityReservationId: "cr-1", CapacityReservationSpecification: only, ...(lifecycle ? { InstanceLifecycle: lifecycle } : {}) }));
    assert.deepEqual(r(), { reservationID: "cr-1", reservationType: "default", reservationInterruptible: false });
    assert.deepEqual(r("capacity-block"), { reservationID: "cr-1", reservationType: "capacity-block", reservationInterruptible: false });
    assert.deepEqual(r("interruptible-capacity-reservation"), { reservationID: "cr-1", reservationType: "default", reservationInterruptible: true });
    assert.deepEqual(reservationOf(inst({ CapacityReservationId: "cr-1" })), {});
  });
  it("the partition label from Placement.PartitionNumber: absent outside a partition, never 0", () => {
    assert.deepEqual(placementOf(inst({ Placement: { GroupId: "pg-1", PartitionNumber: 2 } })), { placementGroupID: "pg-1", placementPartition: "2" });
    assert.deepEqual(placementOf(inst({ Placement: { GroupId: "pg-1", PartitionNumber: 0 } })), { placementGroupID: "pg-1" });
    assert.deepEqual(placementOf(inst({ Placement: { PartitionNumber: 1 } })), {});
    const labels = instanceNodeClaim(inst({ Placement: { AvailabilityZone: "us-east-1a", GroupId: "pg-1", PartitionNumber: 3 }, CapacityReservationId: "cr-1", CapacityReservationSpecification: only, InstanceLifecycle: "capacity-block" }), undefined).metadata.labels;
    assert.equal(labels?.["karpenter.k8s.aws/placement-group-partition"], "3");
    assert.equal(labels?.["karpenter.k8s.aws/capacity-reservation-type"], "capacity-block");
    assert.equal(labels?.["karpenter.sh/capacity-type"], "reserved");
  });
});
