// controller-runtime's families (controller_runtime_reconcile_*, workqueue_*) under its names,
// labels and buckets, so the "controllers" dashboards written for Karpenter read tenon's work
// queues unchanged. Every Controller (src/controllers/runtime) reports through one of these.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { registry } from "./metrics.js";

/** controller-runtime's reconcile_time_seconds buckets. */
export const reconcileTimeBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0,
  3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue latency buckets: 10ns to 1000s, by powers of ten. */
export const workqueueBuckets: readonly number[] = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** How a reconcile ended, as controller-runtime's `result` label says it. */
export type ReconcileOutcome = "success" | "error" | "requeue_after";

/** What a live controller can tell at scrape time. */
export interface QueueProbe {
  readonly name: string;
  readonly concurrency: number;
  depth(): number;
  /** Start times (ms) of the keys being processed now. */
  processingSince(): readonly number[];
  now(): number;
}

export function createRuntimeMetrics(registry: Registry) {
  const registers = [registry];
  const probes = new Map<string, QueueProbe>();
  const each = (fn: (p: QueueProbe) => void) => {
    for (const p of probes.values()) fn(p);
  };
  const m = {
    reconcileTotal: new Counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller", labelNames: ["controller", "result"] as const, registers }),
    reconcileErrors: new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller", labelNames: ["controller"] as const, registers }),
    terminalErrors: new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    panics: new Counter({ name: "controller_runtime_reconcile_panics_total", help: "Total number of reconciliation panics per controller", labelNames: ["controller"] as const, registers }),
    timeouts: new Counter({ name: "controller_runtime_reconcile_timeouts_total", help: "Total number of reconciliation timeouts per controller", labelNames: ["controller"] as const, registers }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"] as const,
      buckets: [...reconcileTimeBuckets],
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"] as const,
      registers,
      collect() {
        each((p) => this.set({ controller: p.name }, p.concurrency));
      },
    }),
    activeWorkers: new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"] as const,
      registers,
      collect() {
        each((p) => this.set({ controller: p.name }, p.processingSince().length));
      },
    }),
    depth: new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue by workqueue and priority",
      labelNames: ["name", "controller", "priority"] as const,
      registers,
      collect() {
        each((p) => this.set({ name: p.name, controller: p.name, priority: "" }, p.depth()));
      },
    }),
    adds: new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: ["name", "controller"] as const, registers }),
    queueDuration: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name", "controller"] as const,
      buckets: [...workqueueBuckets],
      registers,
    }),
    workDuration: new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes.",
      labelNames: ["name", "controller"] as const,
      buckets: [...workqueueBuckets],
      registers,
    }),
    unfinishedWork: new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      labelNames: ["name", "controller"] as const,
      registers,
      collect() {
        each((p) => {
          const now = p.now();
          this.set({ name: p.name, controller: p.name }, p.processingSince().reduce((s, t) => s + (now - t) / 1000, 0));
        });
      },
    }),
    longestRunning: new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running.",
      labelNames: ["name", "controller"] as const,
      registers,
      collect() {
        each((p) => {
          const now = p.now();
          this.set({ name: p.name, controller: p.name }, p.processingSince().reduce((s, t) => Math.max(s, (now - t) / 1000), 0));
        });
      },
    }),
    retries: new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: ["name", "controller"] as const, registers }),
  };
  return {
    ...m,
    /** Registers a controller: its series exist (at zero) from now on, as controller-runtime's do once started. */
    register(p: QueueProbe): void {
      probes.set(p.name, p);
      const q = { name: p.name, controller: p.name };
      m.adds.inc(q, 0);
      m.retries.inc(q, 0);
      for (const c of [m.reconcileErrors, m.terminalErrors, m.panics, m.timeouts]) c.inc({ controller: p.name }, 0);
      for (const result of ["success", "error", "requeue_after"] as const) m.reconcileTotal.inc({ controller: p.name, result }, 0);
    },
    unregister(name: string): void {
      probes.delete(name);
    },
    /** One reconcile ended; a failed one says whether it was terminal or a panic (both are errors too, as in controller-runtime). */
    reconciled(controller: string, seconds: number, outcome: ReconcileOutcome, failure?: { terminal: boolean; panic: boolean }): void {
      m.reconcileTotal.inc({ controller, result: outcome });
      if (outcome === "error") m.reconcileErrors.inc({ controller });
      if (failure?.terminal) m.terminalErrors.inc({ controller });
      if (failure?.panic) m.panics.inc({ controller });
      m.reconcileTime.observe({ controller }, seconds);
    },
    /** A reconcile ran past its controller's timeout. */
    timedOut(controller: string): void {
      m.timeouts.inc({ controller });
    },
  };
}

export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics>;

/** The process-wide controller-runtime metrics, on the registry /metrics serves. */
export const runtimeMetrics: RuntimeMetrics = createRuntimeMetrics(registry);
