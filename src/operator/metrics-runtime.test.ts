import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { FakeClock } from "../controllers/runtime/clock.js";
import { Controller } from "../controllers/runtime/controller.js";
import { ReconcileTimeoutError, TerminalError } from "../controllers/runtime/errors.js";
import { createRuntimeMetrics, reconcileTimeBuckets, workqueueBuckets } from "./metrics-runtime.js";

type Value = { value: number; labels: Record<string, string | number>; metricName?: string };
async function series(reg: Registry, name: string): Promise<Value[]> {
  return ((await reg.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []) as Value[];
}
const get = (vs: Value[], labels: Record<string, string>, metricName?: string) =>
  vs.find((v) => (metricName === undefined || v.metricName === metricName) && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))?.value;

describe("controller-runtime metrics", () => {
  it("use controller-runtime's and client-go's buckets", () => {
    assert.equal(reconcileTimeBuckets.length, 40);
    assert.equal(reconcileTimeBuckets.at(-1), 60);
    assert.deepEqual(workqueueBuckets, [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]);
  });

  it("count reconciles by result, errors, adds and retries, and show the workers and queue while a reconcile runs", async () => {
    const reg = new Registry();
    const metrics = createRuntimeMetrics(reg);
    const clock = new FakeClock();
    let release: () => void = () => undefined;
    let calls = 0;
    let failed = false;
    const c = new Controller(
      {
        name: "test.ctrl",
        reconcile: async (key) => {
          calls++;
          // Fails once: its retry (after the backoff) succeeds.
          if (key === "bad" && !failed) {
            failed = true;
            throw new Error("boom");
          }
          if (key === "slow") await new Promise<void>((r) => (release = r));
          return key === "again" ? { requeueAfterMs: 60_000 } : undefined;
        },
      },
      { clock, metrics, concurrency: 2 },
    );
    const stop = new AbortController();
    const running = c.run(stop.signal);
    c.enqueue("ok");
    c.enqueue("again");
    c.enqueue("bad");
    const q = { name: "test.ctrl", controller: "test.ctrl" };
    const tick = () => new Promise((r) => setImmediate(r));
    while (calls < 3) await tick();
    clock.advance(100); // bad's retry
    while (get(await series(reg, "controller_runtime_reconcile_total"), { controller: "test.ctrl", result: "success" }) !== 2) await tick();
    c.enqueue("slow");
    while (calls < 5) await tick();
    clock.advance(3000);
    assert.equal(get(await series(reg, "controller_runtime_active_workers"), { controller: "test.ctrl" }), 1, "the slow reconcile holds one worker");
    assert.equal(get(await series(reg, "controller_runtime_max_concurrent_reconciles"), { controller: "test.ctrl" }), 2);
    assert.equal(get(await series(reg, "workqueue_longest_running_processor_seconds"), q), 3);
    assert.equal(get(await series(reg, "workqueue_unfinished_work_seconds"), q), 3);
    release();
    while ((get(await series(reg, "controller_runtime_active_workers"), { controller: "test.ctrl" }) ?? 1) > 0) await new Promise((r) => setImmediate(r));
    const total = await series(reg, "controller_runtime_reconcile_total");
    assert.equal(get(total, { controller: "test.ctrl", result: "success" }), 3, "ok, slow and bad's retry");
    assert.equal(get(total, { controller: "test.ctrl", result: "requeue_after" }), 1);
    assert.equal(get(total, { controller: "test.ctrl", result: "error" }), 1);
    assert.equal(get(await series(reg, "controller_runtime_reconcile_errors_total"), { controller: "test.ctrl" }), 1);
    assert.equal(get(await series(reg, "workqueue_adds_total"), q), 5, "four keys and bad's retry");
    assert.equal(get(await series(reg, "workqueue_retries_total"), q), 1);
    assert.equal(get(await series(reg, "workqueue_work_duration_seconds"), q, "workqueue_work_duration_seconds_count"), 5);
    assert.equal(get(await series(reg, "controller_runtime_reconcile_time_seconds"), { controller: "test.ctrl" }, "controller_runtime_reconcile_time_seconds_count"), 5);
    assert.equal(get(await series(reg, "workqueue_depth"), { ...q, priority: "" }), 0);
    stop.abort();
    await running;
  });
});

describe("controller-runtime failure metrics", () => {
  const tick = () => new Promise((r) => setImmediate(r));
  const total = async (reg: Registry, name: string) => get(await series(reg, name), { controller: "fail.ctrl" });

  it("count panics and terminal errors as errors too; a terminal error is not retried, a panic is", async () => {
    const reg = new Registry();
    const metrics = createRuntimeMetrics(reg);
    const clock = new FakeClock();
    const calls = new Map<string, number>();
    const c = new Controller(
      {
        name: "fail.ctrl",
        reconcile: async (key) => {
          calls.set(key, (calls.get(key) ?? 0) + 1);
          if (key === "panic" && calls.get(key) === 1) return (undefined as unknown as { status: { phase: string } }).status.phase ? undefined : undefined;
          if (key === "terminal") throw new TerminalError("NodeClaim x: spec.nodeClassRef names no kind tenon knows");
          return undefined;
        },
      },
      { clock, metrics },
    );
    const stop = new AbortController();
    const running = c.run(stop.signal);
    for (const name of ["controller_runtime_reconcile_panics_total", "controller_runtime_terminal_reconcile_errors_total", "controller_runtime_reconcile_timeouts_total"]) {
      assert.equal(await total(reg, name), 0, `${name} starts at zero once the controller runs`);
    }
    c.enqueue("panic");
    c.enqueue("terminal");
    while ((await total(reg, "controller_runtime_reconcile_errors_total")) !== 2) await tick();
    assert.equal(await total(reg, "controller_runtime_reconcile_panics_total"), 1);
    assert.equal(await total(reg, "controller_runtime_terminal_reconcile_errors_total"), 1);
    clock.advance(60_000); // past any backoff: the panic's retry runs, the terminal key waits for a change
    while (calls.get("panic") !== 2) await tick();
    while (get(await series(reg, "controller_runtime_reconcile_total"), { controller: "fail.ctrl", result: "success" }) !== 1) await tick();
    assert.equal(calls.get("terminal"), 1, "a terminal error is not requeued");
    assert.equal(get(await series(reg, "workqueue_retries_total"), { name: "fail.ctrl" }), 1, "only the panic was retried");
    c.enqueue("terminal"); // the object changed
    while (calls.get("terminal") !== 2) await tick();
    stop.abort();
    await running;
  });

  it("count a reconcile that runs past its timeout, and abort its signal with the reason", async () => {
    const reg = new Registry();
    const metrics = createRuntimeMetrics(reg);
    const clock = new FakeClock();
    const seen: { reason?: unknown } = {};
    let started = 0;
    const c = new Controller(
      {
        name: "fail.ctrl",
        reconcile: async (key, signal) => {
          started++;
          if (key === "fast") return undefined;
          // Waits on the API until its signal aborts, as a watch-bound reconcile would.
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          seen.reason = signal.reason;
          throw signal.reason;
        },
      },
      { clock, metrics, reconcileTimeoutMs: 30_000 },
    );
    const stop = new AbortController();
    const running = c.run(stop.signal);
    c.enqueue("fast");
    while (get(await series(reg, "controller_runtime_reconcile_total"), { controller: "fail.ctrl", result: "success" }) !== 1) await tick();
    c.enqueue("hung");
    while (started < 2) await tick();
    clock.advance(29_999);
    await tick();
    const reason = () => seen.reason;
    assert.equal(reason(), undefined, "not aborted before its timeout");
    clock.advance(1);
    while ((await total(reg, "controller_runtime_reconcile_timeouts_total")) !== 1) await tick();
    assert.ok(reason() instanceof ReconcileTimeoutError);
    assert.equal(await total(reg, "controller_runtime_reconcile_errors_total"), 1);
    assert.equal(clock.pending() > 0, true, "the hung key waits for its retry");
    stop.abort();
    await running;
  });
});
