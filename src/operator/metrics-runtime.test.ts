import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { FakeClock } from "../controllers/runtime/clock.js";
import { Controller } from "../controllers/runtime/controller.js";
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
