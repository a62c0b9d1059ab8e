// Collects concurrent calls into one AWS request. Launching 50 nodes at once should cost a handful
// of CreateFleet/DescribeInstances/TerminateInstances calls, not 50 each: AWS rate-limits per
// account, and a throttled controller launches nothing. A batch closes after `idleMs` without a
// new call, after `maxMs` in all, or at `maxItems`.

import { observeBatch } from "../../operator/metrics-families.js";

export interface BatcherOptions<I, O> {
  idleMs: number;
  maxMs: number;
  maxItems: number;
  /** Karpenter's batcher name (create_fleet, describe_instances, terminate_instances), for its metrics. */
  name?: string;
  /** Calls with the same key go into one batch; others wait in their own. */
  key: (input: I) => string;
  /** Runs one batch; returns one settled result per input, in input order. */
  exec: (inputs: I[]) => Promise<PromiseSettledResult<O>[]>;
}

interface Pending<I, O> {
  inputs: I[];
  resolvers: { resolve: (o: O) => void; reject: (e: unknown) => void }[];
  idle?: ReturnType<typeof setTimeout>;
  max?: ReturnType<typeof setTimeout>;
  openedAt: number;
}

export class Batcher<I, O> {
  private readonly open = new Map<string, Pending<I, O>>();

  constructor(private readonly opts: BatcherOptions<I, O>) {}

  add(input: I): Promise<O> {
    const key = this.opts.key(input);
    let batch = this.open.get(key);
    if (!batch) {
      batch = { inputs: [], resolvers: [], openedAt: performance.now() };
      this.open.set(key, batch);
      const b = batch;
      b.max = setTimeout(() => this.flush(key, b), this.opts.maxMs);
    }
    const b = batch;
    const result = new Promise<O>((resolve, reject) => b.resolvers.push({ resolve, reject }));
    b.inputs.push(input);
    if (b.idle) clearTimeout(b.idle);
    if (b.inputs.length >= this.opts.maxItems) this.flush(key, b);
    else b.idle = setTimeout(() => this.flush(key, b), this.opts.idleMs);
    return result;
  }

  private flush(key: string, b: Pending<I, O>): void {
    if (this.open.get(key) !== b) return;
    this.open.delete(key);
    if (b.idle) clearTimeout(b.idle);
    if (b.max) clearTimeout(b.max);
    if (this.opts.name) observeBatch(this.opts.name, b.inputs.length, (performance.now() - b.openedAt) / 1000);
    this.opts.exec(b.inputs).then(
      (results) => {
        b.resolvers.forEach((r, i) => {
          const res = results[i];
          if (!res) r.reject(new Error("batch returned no result for this call"));
          else if (res.status === "fulfilled") r.resolve(res.value);
          else r.reject(res.reason);
        });
      },
      (err: unknown) => b.resolvers.forEach((r) => r.reject(err)),
    );
  }
}
