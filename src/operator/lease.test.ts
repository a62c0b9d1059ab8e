import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decideLease, releasedRecord, type LeaseRecord } from "./lease.js";

const t0 = Date.parse("2025-01-01T00:00:00Z");
const sec = 1000;
const me = "node-a_1111";
const other = "node-b_2222";

function held(holder: string, renewedAt = t0, transitions = 3): LeaseRecord {
  return { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: new Date(t0 - 60 * sec), renewTime: new Date(renewedAt), leaseTransitions: transitions };
}

describe("decideLease", () => {
  it("creates a missing lease, holding it", () => {
    assert.deepEqual(decideLease({ current: undefined, observedAt: t0, now: t0, identity: me, leaseDurationMs: 15 * sec }), {
      action: "create",
      record: { holderIdentity: me, leaseDurationSeconds: 15, acquireTime: new Date(t0), renewTime: new Date(t0), leaseTransitions: 0 },
    });
  });

  it("renews its own lease, keeping when it was acquired", () => {
    const d = decideLease({ current: held(me), observedAt: t0, now: t0 + 2 * sec, identity: me, leaseDurationMs: 15 * sec });
    assert.equal(d.action, "renew");
    assert.ok(d.action === "renew");
    assert.deepEqual(d.record, { ...held(me), renewTime: new Date(t0 + 2 * sec) });
  });

  it("renews its own lease even after it would have expired", () => {
    // Whether we still lead is the elector's renew deadline to judge, not this function's.
    const d = decideLease({ current: held(me), observedAt: t0, now: t0 + 60 * sec, identity: me, leaseDurationMs: 15 * sec });
    assert.equal(d.action, "renew");
  });

  it("waits while another holder's lease is live", () => {
    const d = decideLease({ current: held(other), observedAt: t0, now: t0 + 14_999, identity: me, leaseDurationMs: 15 * sec });
    assert.deepEqual(d, { action: "wait", holder: other, expiresAt: t0 + 15 * sec });
  });

  it("takes over once the lease went unrenewed for its duration", () => {
    const d = decideLease({ current: held(other), observedAt: t0, now: t0 + 15 * sec, identity: me, leaseDurationMs: 15 * sec });
    assert.deepEqual(d, {
      action: "acquire",
      record: { holderIdentity: me, leaseDurationSeconds: 15, acquireTime: new Date(t0 + 15 * sec), renewTime: new Date(t0 + 15 * sec), leaseTransitions: 4 },
    });
  });

  it("measures expiry on our clock from when we saw the lease, not by its renewTime", () => {
    // The holder's clock runs an hour behind ours: its renewTime looks ancient, yet it renewed
    // (we first saw this state) only 5s ago on our clock.
    const skewed = held(other, t0 - 3600 * sec);
    const d = decideLease({ current: skewed, observedAt: t0 - 5 * sec, now: t0, identity: me, leaseDurationMs: 15 * sec });
    assert.equal(d.action, "wait");
  });

  it("honours the holder's lease duration over its own", () => {
    const long = { ...held(other), leaseDurationSeconds: 60 };
    assert.equal(decideLease({ current: long, observedAt: t0, now: t0 + 30 * sec, identity: me, leaseDurationMs: 15 * sec }).action, "wait");
    assert.equal(decideLease({ current: long, observedAt: t0, now: t0 + 60 * sec, identity: me, leaseDurationMs: 15 * sec }).action, "acquire");
  });

  it("falls back to its own duration when the lease has none", () => {
    const none = { ...held(other), leaseDurationSeconds: 0 };
    assert.equal(decideLease({ current: none, observedAt: t0, now: t0 + 14 * sec, identity: me, leaseDurationMs: 15 * sec }).action, "wait");
    assert.equal(decideLease({ current: none, observedAt: t0, now: t0 + 15 * sec, identity: me, leaseDurationMs: 15 * sec }).action, "acquire");
  });

  it("takes a released lease at once", () => {
    const released = releasedRecord(held(other), t0);
    const d = decideLease({ current: released, observedAt: t0, now: t0, identity: me, leaseDurationMs: 15 * sec });
    assert.equal(d.action, "acquire");
    assert.ok(d.action === "acquire");
    assert.equal(d.record.leaseTransitions, 4);
    assert.equal(d.record.holderIdentity, me);
  });

  it("rounds sub-second durations up to whole seconds", () => {
    const d = decideLease({ current: undefined, observedAt: t0, now: t0, identity: me, leaseDurationMs: 300 });
    assert.ok(d.action === "create");
    assert.equal(d.record.leaseDurationSeconds, 1);
  });
});

describe("releasedRecord", () => {
  it("clears the holder and keeps the transition count", () => {
    assert.deepEqual(releasedRecord(held(me), t0 + sec), {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: new Date(t0 + sec),
      renewTime: new Date(t0 + sec),
      leaseTransitions: 3,
    });
  });
});
