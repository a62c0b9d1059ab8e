// Runs `tenon` in a worker thread with a memory limit and a deadline per run, so that a hostile
// input that hangs it or exhausts its memory fails that one case (and the worker is replaced)
// instead of hanging or killing the test run. The worker loads the CLI once and serves many runs.
import { Worker } from "node:worker_threads";
import type { CliResult } from "./run-cli.js";

export type SandboxResult = CliResult | { code: "timeout" | "crashed"; stdout: string; stderr: string };

/** Heap the CLI may use for one input: far above what a refused input needs, far below the machine's. */
const MaxHeapMb = 1536;

const workerURL = new URL("./sandbox-worker.ts", import.meta.url).href;
// Node 20 loads a worker's entry before any --import hook, so the worker registers tsx itself.
const bootstrap = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(workerURL)}); });`;

export class Sandbox {
  private worker: Worker | undefined;
  private nextId = 0;

  private start(): Worker {
    this.worker ??= new Worker(bootstrap, { eval: true, resourceLimits: { maxOldGenerationSizeMb: MaxHeapMb } });
    return this.worker;
  }

  /** One run; the deadline is a guard against hangs, not a performance target. */
  run(args: string[], stdin?: Uint8Array | string, deadlineMs = 60_000): Promise<SandboxResult> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const done = (r: SandboxResult, replace: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (replace) {
          void worker.terminate();
          if (this.worker === worker) this.worker = undefined;
        }
        resolve(r);
      };
      const onMessage = (m: { id: number; result: CliResult }) => {
        if (m.id === id) done(m.result, false);
      };
      const onError = (err: Error) => done({ code: "crashed", stdout: "", stderr: String(err.stack ?? err) }, true);
      const onExit = (code: number) => done({ code: "crashed", stdout: "", stderr: `worker exited with ${code}` }, true);
      const timer = setTimeout(() => done({ code: "timeout", stdout: "", stderr: `no answer within ${deadlineMs} ms` }, true), deadlineMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({ id, args, ...(stdin !== undefined ? { stdin: typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin } : {}) });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
