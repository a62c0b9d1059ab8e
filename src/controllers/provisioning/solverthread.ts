// The provisioning solve in a worker thread. A solve of thousands of pods over many NodePools takes
// seconds of CPU; on the main thread it would hold lease renewals, watches and probes for as long.
// The worker gets the input by structured clone (the cluster state holds plain JSON, so this is a
// copy, not a conversion) and sends back the plan with pods and instance types as indexes and
// names, which are mapped back onto the caller's own objects: the provisioner keeps comparing the
// objects it passed in.
import { Worker } from "node:worker_threads";
import type { V1Pod } from "@kubernetes/client-node";
import type { InstanceType } from "../../cloudprovider/types.js";
import type { PlannedNodeClaim, SchedulingInput, SchedulingResult, UnschedulablePod } from "../../scheduling/types.js";

/** The plan as it crosses the thread boundary: pods by index into input.pods, instance types by name. */
export interface EncodedResult {
  nodeClaims: (Omit<PlannedNodeClaim, "pods" | "instanceTypes"> & { pods: number[]; instanceTypes: string[] })[];
  existingNodes: { name: string; pods: number[] }[];
  unschedulable: (Omit<UnschedulablePod, "pod"> & { pod: number })[];
  totalPricePerHour: number;
  lowerBoundPricePerHour: number;
  costRatio: number;
  rejected: SchedulingResult["rejected"];
}

export type WorkerRequest = { id: number; input: SchedulingInput };
export type WorkerReply = { id: number; result: EncodedResult } | { id: number; error: string };

/** In the worker: the plan with its pods and instance types replaced by indexes and names. */
export function encodeResult(input: SchedulingInput, r: SchedulingResult): EncodedResult {
  const index = new Map<V1Pod, number>(input.pods.map((p, i) => [p, i]));
  const at = (p: V1Pod): number => {
    const i = index.get(p);
    if (i === undefined) throw new Error(`the plan holds pod ${p.metadata?.namespace}/${p.metadata?.name}, which is not in the input`);
    return i;
  };
  return {
    ...r,
    nodeClaims: r.nodeClaims.map((c) => ({ ...c, pods: c.pods.map(at), instanceTypes: c.instanceTypes.map((t) => t.name) })),
    existingNodes: r.existingNodes.map((n) => ({ name: n.name, pods: n.pods.map(at) })),
    unschedulable: r.unschedulable.map((u) => ({ ...u, pod: at(u.pod) })),
  };
}

/** On the caller's side: the plan over the caller's own pod and instance-type objects. */
export function decodeResult(input: SchedulingInput, r: EncodedResult): SchedulingResult {
  const pod = (i: number): V1Pod => {
    const p = input.pods[i];
    if (!p) throw new Error(`the solver thread returned pod index ${i} of ${input.pods.length}`);
    return p;
  };
  const byPool = new Map<string, Map<string, InstanceType>>();
  const type = (pool: string, name: string): InstanceType => {
    let m = byPool.get(pool);
    if (!m) byPool.set(pool, (m = new Map((input.instanceTypes.get(pool) ?? []).map((t) => [t.name, t]))));
    const t = m.get(name);
    if (!t) throw new Error(`the solver thread returned instance type ${name}, which NodePool ${pool} does not offer`);
    return t;
  };
  return {
    ...r,
    nodeClaims: r.nodeClaims.map((c) => ({ ...c, pods: c.pods.map(pod), instanceTypes: c.instanceTypes.map((n) => type(c.nodePool, n)) })),
    existingNodes: r.existingNodes.map((n) => ({ name: n.name, pods: n.pods.map(pod) })),
    unschedulable: r.unschedulable.map((u) => ({ ...u, pod: pod(u.pod) })),
  };
}

/** A solve abandoned because its caller no longer wants it (leadership ended, the controller stopped). */
export class SolveAbandonedError extends Error {
  override readonly name = "SolveAbandonedError";
}

// From dist/ both files are .js and the worker is started as it is. Under tsx (tests, `npm run dev`)
// both are .ts, and a worker thread does not inherit tsx's loader (Node 20 runs `--import` hooks in
// the main thread only): a two-line bootstrap registers tsx in the thread, then loads the worker.
const underTsx = import.meta.url.endsWith(".ts");
const workerURL = new URL(underTsx ? "./solverworker.ts" : "./solverworker.js", import.meta.url);

function newWorker(): Worker {
  if (!underTsx) return new Worker(workerURL);
  const bootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((api) => { api.register(); return import(${JSON.stringify(workerURL.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/**
 * One long-lived worker thread that solves one input at a time (the provisioner never runs two
 * solves at once). Started on first use, so that importing the provisioner costs nothing; a solve
 * whose signal aborts terminates the worker (it stops burning CPU at once) and rejects with
 * SolveAbandonedError; the next solve starts a fresh one.
 */
export class SolverThread {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (r: EncodedResult) => void; reject: (e: Error) => void }>();

  async solve(input: SchedulingInput, signal?: AbortSignal): Promise<SchedulingResult> {
    if (signal?.aborted) throw new SolveAbandonedError("the solve was abandoned before it started");
    const worker = this.start();
    const id = ++this.next;
    const reply = new Promise<EncodedResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const onAbort = (): void => void this.stop(new SolveAbandonedError("the solve was abandoned (leadership ended or the controller stopped)"));
    signal?.addEventListener("abort", onAbort, { once: true });
    // Referenced only while it works: an idle thread must not keep a stopping process alive, a busy one must.
    worker.ref();
    try {
      worker.postMessage({ id, input } satisfies WorkerRequest);
      return decodeResult(input, await reply);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker?.unref();
    }
  }

  /** Ends the worker; solves in flight reject with `reason`. */
  async stop(reason: Error = new SolveAbandonedError("the solver thread was stopped")): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = newWorker();
    w.on("message", (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ("error" in m) p.reject(new Error(`solve failed in the solver thread: ${m.error}`));
      else p.resolve(m.result);
    });
    const fail = (err: Error): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on("error", (err) => fail(err));
    w.on("exit", (code) => fail(new Error(`the solver thread exited (code ${code})`)));
    this.worker = w;
    return w;
  }
}
