import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReservationAvailability } from "./reservationavailability.js";
import { UNAVAILABLE_OFFERING_TTL_MS, UnavailableOfferings } from "./unavailableofferings.js";

describe("unavailable offerings, scoped as Karpenter v1.14 scopes them", () => {
  it("a refusal inside a placement group holds for that group only; one outside holds everywhere", () => {
    let now = 0;
    const u = new UnavailableOfferings(UNAVAILABLE_OFFERING_TTL_MS, () => now);
    u.markUnavailable("p5.48xlarge", "us-east-1a", "on-demand", { placementGroupID: "pg-1" });
    assert.equal(u.isUnavailable("p5.48xlarge", "us-east-1a", "on-demand", "pg-1"), true);
    assert.equal(u.isUnavailable("p5.48xlarge", "us-east-1a", "on-demand", "pg-2"), false);
    assert.equal(u.isUnavailable("p5.48xlarge", "us-east-1a", "on-demand"), false);
    u.markUnavailable("m5.large", "us-east-1b", "spot");
    assert.equal(u.isUnavailable("m5.large", "us-east-1b", "spot", "pg-1"), true);
    assert.deepEqual(u.list(), [
      { instanceType: "p5.48xlarge", zone: "us-east-1a", capacityType: "on-demand", placementGroupID: "pg-1" },
      { instanceType: "m5.large", zone: "us-east-1b", capacityType: "spot" },
    ]);
    now += UNAVAILABLE_OFFERING_TTL_MS;
    assert.equal(u.isUnavailable("p5.48xlarge", "us-east-1a", "on-demand", "pg-1"), false, "for three minutes");
  });
  it("a reserved refusal with its reservation marks the reservation, not the type", () => {
    const u = new UnavailableOfferings();
    u.reservations.sync(new Map([["cr-1", 2]]), 0);
    const seq = u.seq;
    u.markUnavailable("p5.48xlarge", "us-east-1a", "reserved", { reservationID: "cr-1" });
    assert.equal(u.reservations.count("cr-1"), 0);
    assert.equal(u.isUnavailable("p5.48xlarge", "us-east-1a", "reserved"), false);
    assert.ok(u.seq > seq, "cached instance types refresh");
  });
});

describe("reservation availability between describes", () => {
  it("launches count down, terminations up, a refusal or interruption empties it, the next describe decides", () => {
    const r = new ReservationAvailability(() => 100);
    assert.equal(r.count("cr-1"), undefined);
    r.sync(new Map([["cr-1", 2]]), 50);
    r.markLaunched("cr-1");
    assert.equal(r.count("cr-1"), 1);
    r.markLaunched("cr-1", 40);
    assert.equal(r.count("cr-1"), 1, "a describe that started after the launch already counts it");
    r.markTerminated("cr-1");
    assert.equal(r.count("cr-1"), 2);
    r.markUnavailable("cr-1");
    r.markLaunched("cr-1");
    assert.equal(r.count("cr-1"), 0, "never below zero");
    r.sync(new Map([["cr-1", 1]]), 200);
    assert.equal(r.count("cr-1"), 1);
  });
});
