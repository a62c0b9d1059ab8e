import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Controller, WorkerDiedError } from "../controllers/runtime/controller.js";
import { ControllerLiveness, awaitControllersStopped } from "./liveness.js";
import { Checks, startHealthServer } from "./server.js";

async function healthz(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/healthz?verbose`);
  return { status: res.status, body: await res.text() };
}

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A runtime Controller whose reconciler counts its calls. */
function counting(name: string) {
  const calls: string[] = [];
  const controller = new Controller({
    name,
    async reconcile(key: string) {
      calls.push(key);
      return undefined;
    },
  });
  return { name, controller, calls, run: (signal: AbortSignal) => controller.run(signal) };
}

describe("controller liveness on /healthz", () => {
  it("fails /healthz naming a controller whose run loop threw or returned while the process runs; the others go on", async () => {
    let stopping = false;
    const liveness = new ControllerLiveness(() => stopping);
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, healthz: new Checks().add("ping", () => undefined).add("controllers", liveness.check), readyz: new Checks() });
    const stop = new AbortController();
    try {
      const healthy = counting("healthy");
      let failRun!: (err: Error) => void;
      let endRun!: () => void;
      const crashing = { name: "crashing", run: () => new Promise<void>((_, reject) => (failRun = reject)) };
      const quitting = { name: "quitting", run: () => new Promise<void>((resolve) => (endRun = resolve)) };
      const all = liveness.runAll([healthy, crashing, quitting], stop.signal);
      assert.deepEqual(await healthz(server.url), { status: 200, body: "[+]ping ok\n[+]controllers ok\nhealthz check passed\n" });

      failRun(new Error("queue exploded"));
      await until("the crash recorded", () => liveness.dead.has("crashing"));
      let res = await healthz(server.url);
      assert.equal(res.status, 500);
      assert.match(res.body, /\[-\]controllers failed: controller crashing stopped \(its run loop failed: queue exploded\)/);

      endRun();
      await until("the early return recorded", () => liveness.dead.has("quitting"));
      res = await healthz(server.url);
      assert.match(res.body, /controller crashing stopped .*; controller quitting stopped \(its run loop returned\)/);

      // The healthy one still works its queue.
      healthy.controller.enqueue("k");
      await until("the healthy controller reconciles", () => healthy.calls.includes("k"));
      stopping = true;
      stop.abort();
      await all;
      assert.deepEqual([...liveness.dead.keys()], ["crashing", "quitting"], "loops that end at shutdown are not failures");
    } finally {
      stop.abort();
      await server.close();
    }
  });

  it("does not count loops that end because leadership ended or the process stops", async () => {
    const liveness = new ControllerLiveness();
    const stop = new AbortController();
    const a = counting("a");
    const throwsOnStop = { name: "throws-on-stop", run: (signal: AbortSignal) => new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))) };
    const all = liveness.runAll([a, throwsOnStop], stop.signal);
    stop.abort();
    await all;
    assert.equal(liveness.dead.size, 0);
    liveness.check();
  });

  it("fails /healthz when a worker of a runtime Controller dies outside reconcile", async () => {
    const liveness = new ControllerLiveness();
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, healthz: new Checks().add("controllers", liveness.check), readyz: new Checks() });
    const stop = new AbortController();
    try {
      const broken = counting("broken-queue");
      const run = liveness.runAll([broken], stop.signal);
      broken.controller.enqueue("first");
      await until("the first key reconciled", () => broken.calls.length === 1);
      // The queue itself fails (not a reconcile): the worker cannot go on.
      broken.controller.queue.done = () => {
        throw new Error("the queue's bookkeeping broke");
      };
      broken.controller.enqueue("second");
      await until("the death recorded", () => liveness.dead.has("broken-queue"));
      const res = await healthz(server.url);
      assert.equal(res.status, 500);
      assert.match(res.body, /controller broken-queue stopped \(its run loop failed: controller broken-queue: a worker died outside reconcile: the queue's bookkeeping broke\)/);
      stop.abort();
      await run;
    } finally {
      stop.abort();
      await server.close();
    }
  });

  it("keeps a worker alive when recording metrics throws", async () => {
    const calls: string[] = [];
    const controller = new Controller(
      {
        name: "metrics-broken",
        async reconcile(key: string) {
          calls.push(key);
          if (key === "fails") throw new Error("reconcile failed");
          return undefined;
        },
      },
      {
        observe: () => {
          throw new Error("metrics broke");
        },
      },
    );
    const stop = new AbortController();
    const run = controller.run(stop.signal);
    controller.enqueue("fails");
    controller.enqueue("next");
    await until("both keys reconciled", () => calls.includes("fails") && calls.includes("next"));
    stop.abort();
    await run;
  });

  it("names the controller in WorkerDiedError", () => {
    const err = new WorkerDiedError("x", new Error("y"));
    assert.equal(err.message, "controller x: a worker died outside reconcile: y");
  });
});

describe("awaitControllersStopped", () => {
  it("returns as soon as the controllers have returned", async () => {
    const liveness = new ControllerLiveness();
    const stop = new AbortController();
    const loop = { name: "quick", run: (signal: AbortSignal) => new Promise<void>((r) => signal.addEventListener("abort", () => r())) };
    const work = liveness.runAll([loop], stop.signal);
    const warnings: unknown[] = [];
    stop.abort();
    await awaitControllersStopped(work, liveness, 60_000, { warn: (o: unknown) => void warnings.push(o) });
    assert.deepEqual(warnings, []);
    assert.deepEqual(liveness.running, []);
  });

  it("leaves a controller stuck in a reconcile after the grace period, naming it", async () => {
    const liveness = new ControllerLiveness();
    const stop = new AbortController();
    let release = () => {};
    const stuck = { name: "stuck", run: () => new Promise<void>((r) => (release = r)) };
    const quick = { name: "quick", run: (signal: AbortSignal) => new Promise<void>((r) => signal.addEventListener("abort", () => r())) };
    const work = liveness.runAll([stuck, quick], stop.signal);
    const warnings: { controllers: string[] }[] = [];
    stop.abort();
    await awaitControllersStopped(work, liveness, 20, { warn: (o: { controllers: string[] }) => void warnings.push(o) } as never);
    assert.deepEqual(warnings.map((w) => w.controllers), [["stuck"]]);
    release();
    await work;
    assert.deepEqual(liveness.running, []);
  });
});
