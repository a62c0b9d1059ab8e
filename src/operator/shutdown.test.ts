import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { Shutdown } from "./shutdown.js";

function setup(timeoutMs = 1000) {
  const exits: number[] = [];
  const shutdown = new Shutdown({ timeoutMs, exit: (code) => exits.push(code) });
  return { shutdown, exits };
}

describe("Shutdown", () => {
  it("closes in reverse registration order, then exits 0", async () => {
    const { shutdown, exits } = setup();
    const order: string[] = [];
    shutdown.register("servers", () => void order.push("servers"));
    shutdown.register("informers", async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push("informers");
    });
    shutdown.register("controllers", () => void order.push("controllers"));
    assert.equal(await shutdown.shutdown("test"), 0);
    assert.deepEqual(order, ["controllers", "informers", "servers"]);
    assert.deepEqual(exits, [0]);
  });

  it("keeps closing after a failure and exits 1", async () => {
    const { shutdown, exits } = setup();
    const closed: string[] = [];
    shutdown.register("first", () => void closed.push("first"));
    shutdown.register("broken", () => {
      throw new Error("boom");
    });
    assert.equal(await shutdown.shutdown("test"), 1);
    assert.deepEqual(closed, ["first"]);
    assert.deepEqual(exits, [1]);
  });

  it("exits 1 when a closer outlives the timeout", async () => {
    const { shutdown, exits } = setup(30);
    let reached = false;
    shutdown.register("after", () => {
      reached = true;
    });
    shutdown.register("hangs", () => new Promise<void>(() => undefined));
    assert.equal(await shutdown.shutdown("test"), 1);
    assert.deepEqual(exits, [1]);
    assert.equal(reached, false);
  });

  it("runs once however often it is asked", async () => {
    const { shutdown, exits } = setup();
    let calls = 0;
    shutdown.register("x", () => void calls++);
    const [a, b] = await Promise.all([shutdown.shutdown("one"), shutdown.shutdown("two")]);
    assert.equal(a, 0);
    assert.equal(b, 0);
    assert.equal(calls, 1);
    assert.deepEqual(exits, [0]);
    assert.equal(shutdown.stopping, true);
  });

  it("starts on SIGTERM and exits at once on a second signal", async () => {
    const { shutdown, exits } = setup();
    const signals = new EventEmitter();
    let release: () => void = () => undefined;
    shutdown.register("slow", () => new Promise<void>((r) => (release = r)));
    shutdown.listen(signals);
    assert.equal(shutdown.stopping, false);
    signals.emit("SIGTERM", "SIGTERM");
    assert.equal(shutdown.stopping, true);
    signals.emit("SIGINT", "SIGINT");
    assert.deepEqual(exits, [1]);
    release();
    assert.equal(await shutdown.shutdown("again"), 0);
    assert.deepEqual(exits, [1, 0]);
    assert.equal(signals.listenerCount("SIGTERM"), 0);
  });
});
