import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "./clock.js";
import { Controller } from "./controller.js";
import { WorkQueue } from "./workqueue.js";

describe("WorkQueue", () => {
  it("queues a key once however often it is added", async () => {
    const q = new WorkQueue<string>(new FakeClock());
    q.add("a");
    q.add("a");
    q.add("b");
    assert.equal(q.length, 2);
    assert.equal(await q.get(), "a");
  });

  it("processes a key added during processing again afterwards, never concurrently", async () => {
    const q = new WorkQueue<string>(new FakeClock());
    q.add("a");
    const k = await q.get();
    q.add("a");
    assert.equal(q.length, 0, "not queued while processing");
    q.done(k!);
    assert.equal(q.length, 1);
  });

  it("backs off exponentially on failures and forgets on success", () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock, { baseMs: 100, maxMs: 1000 });
    q.addRateLimited("a");
    clock.advance(99);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
    void q.get().then((k) => q.done(k!));
    q.addRateLimited("a");
    assert.equal(q.failureCount("a"), 2);
    q.forget("a");
    assert.equal(q.failureCount("a"), 0);
  });

  it("keeps the earlier of two delays", () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock);
    q.addAfter("a", 1000);
    q.addAfter("a", 100);
    clock.advance(100);
    assert.equal(q.length, 1);
  });

  it("wakes waiting workers and releases them on shutdown", async () => {
    const q = new WorkQueue<string>(new FakeClock());
    const waiting = q.get();
    q.add("x");
    assert.equal(await waiting, "x");
    const idle = q.get();
    q.shutdown();
    assert.equal(await idle, undefined);
  });
});

describe("Controller", () => {
  it("retries a failing reconcile and stops on abort", async () => {
    let calls = 0;
    const done = new AbortController();
    const c = new Controller(
      {
        name: "test",
        reconcile: async (): Promise<undefined> => {
          calls++;
          if (calls < 3) throw new Error("transient");
          done.abort();
        },
      },
      { clock: { now: () => Date.now(), setTimeout: (fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, 1)) }) } },
    );
    c.enqueue("k");
    await c.run(done.signal);
    assert.equal(calls, 3);
  });
});
