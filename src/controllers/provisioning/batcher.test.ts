import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../runtime/clock.js";
import { Batcher } from "./batcher.js";

function setup(idleMs = 1000, maxMs = 10_000) {
  const clock = new FakeClock();
  const fired: number[] = [];
  const b = new Batcher(clock, { idleMs, maxMs }, () => fired.push(clock.now()));
  return { clock, fired, b, t0: clock.now() };
}

describe("Batcher", () => {
  it("does nothing until triggered", () => {
    const { clock, fired, b } = setup();
    clock.advance(60_000);
    assert.deepEqual(fired, []);
    assert.equal(b.open, false);
  });

  it("closes a window after the idle duration without triggers", () => {
    const { clock, fired, b, t0 } = setup();
    b.trigger();
    assert.equal(b.open, true);
    clock.advance(999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [t0 + 1000]);
    assert.equal(b.open, false);
  });

  it("extends the window with each trigger within the idle duration", () => {
    const { clock, fired, b, t0 } = setup();
    b.trigger();
    clock.advance(800);
    b.trigger();
    clock.advance(800);
    b.trigger();
    clock.advance(999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [t0 + 2600]);
  });

  it("closes at the maximum duration however often it is triggered", () => {
    const { clock, fired, b, t0 } = setup();
    b.trigger();
    for (let i = 0; i < 30; i++) {
      clock.advance(500);
      b.trigger();
    }
    assert.deepEqual(fired, [t0 + 10_000], "one batch, cut at the maximum");
    // The trigger after the cut opened a new window.
    assert.equal(b.open, true);
    clock.advance(1000);
    assert.equal(fired.length, 2);
  });

  it("opens a new window for triggers after one closed", () => {
    const { clock, fired, b } = setup();
    b.trigger();
    clock.advance(1000);
    b.trigger();
    assert.equal(b.windowStart, clock.now());
    clock.advance(1000);
    assert.equal(fired.length, 2);
  });

  it("flush closes now; stop drops the window silently", () => {
    const { clock, fired, b } = setup();
    b.trigger();
    b.flush();
    assert.equal(fired.length, 1);
    b.trigger();
    b.stop();
    clock.advance(20_000);
    assert.equal(fired.length, 1);
  });
});
