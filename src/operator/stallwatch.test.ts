import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { watchEventLoopStalls } from "./stallwatch.js";

describe("event loop stall watch", () => {
  it("logs how long the loop was held when a tick runs past the threshold late, and nothing for ticks on time", () => {
    let clock = 0;
    let tick: () => void = () => {};
    const warnings: { blockedMs: number }[] = [];
    const stop = watchEventLoopStalls({
      logger: { warn: (o: { blockedMs: number }) => void warnings.push(o) },
      intervalMs: 500,
      thresholdMs: 1000,
      now: () => clock,
      every: (_ms, t) => {
        tick = t;
        return () => {
          tick = () => {};
        };
      },
    });
    for (const at of [500, 1000, 1600, 2100]) {
      clock = at;
      tick();
    }
    assert.deepEqual(warnings, [], "ticks up to 100 ms late are not stalls");
    clock = 2100 + 500 + 2300; // the loop was held 2.3 s past the next tick
    tick();
    assert.deepEqual(warnings, [{ blockedMs: 2300 }]);
    clock += 500;
    tick();
    assert.equal(warnings.length, 1, "the next tick on time");
    stop();
  });

  it("runs on a timer that does not keep the process alive", () => {
    const stop = watchEventLoopStalls({ logger: { warn: () => {} } });
    stop();
  });
});
