// The solver thread's entry point (see solverthread.ts): solves each input it is sent, in order.
import { parentPort } from "node:worker_threads";
import { solve } from "../../scheduling/index.js";
import { type WorkerReply, type WorkerRequest, encodeResult } from "./solverthread.js";

const port = parentPort;
if (!port) throw new Error("solverworker.ts runs as a worker thread (SolverThread starts it)");
port.on("message", (m: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: m.id, result: encodeResult(m.input, solve(m.input)) };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
