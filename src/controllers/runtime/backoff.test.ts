import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Backoff, backoffCeiling, backoffDelay, type BackoffPolicy } from "./backoff.js";

const policies = fc.record<BackoffPolicy>({
  baseMs: fc.integer({ min: 1, max: 10_000 }),
  maxMs: fc.integer({ min: 1, max: 600_000 }),
  factor: fc.double({ min: 1, max: 10, noNaN: true }),
  jitter: fc.constantFrom("equal", "full", "none"),
}).filter((p) => p.maxMs >= p.baseMs);

describe("backoff", () => {
  it("grows by the factor from the base up to the cap, with equal jitter in the upper half", () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, factor: 2, jitter: "equal" }, () => 1);
    assert.deepEqual(Array.from({ length: 7 }, () => b.next()), [100, 200, 400, 800, 1000, 1000, 1000]);
    const low = new Backoff({ baseMs: 100, maxMs: 1000, factor: 2, jitter: "equal" }, () => 0);
    assert.deepEqual(Array.from({ length: 6 }, () => low.next()), [50, 100, 200, 400, 500, 500]);
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 100, "a reset starts from the base again");
  });

  it("keeps every delay within [0, ceiling] (equal jitter: [ceiling/2, ceiling]), ceilings never shrink, and none exceeds the cap", () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (policy, attempt, r) => {
        const ceiling = backoffCeiling(policy, attempt);
        const delay = backoffDelay(policy, attempt, () => r);
        assert.ok(Number.isFinite(delay) && delay >= 0 && delay <= policy.maxMs, `delay ${delay}`);
        assert.ok(ceiling <= policy.maxMs && ceiling >= Math.min(policy.baseMs, policy.maxMs));
        assert.ok(backoffCeiling(policy, attempt + 1) >= ceiling);
        if (policy.jitter === "equal") assert.ok(delay >= Math.floor(ceiling / 2) && delay <= Math.ceil(ceiling));
        if (policy.jitter === "none") assert.equal(delay, ceiling);
      }),
      { seed: 9, numRuns: 500 },
    );
  });

  it("refuses a policy that cannot work", () => {
    assert.throws(() => new Backoff({ baseMs: 0 }), /baseMs/);
    assert.throws(() => new Backoff({ baseMs: 10, maxMs: 5 }), /baseMs/);
    assert.throws(() => new Backoff({ factor: 0.5 }), /factor/);
  });
});
