// The worker side of sandbox.ts: runs `tenon` in process for each request and posts the result.
import { parentPort } from "node:worker_threads";
import { tenon } from "./in-process.js";

interface Request {
  id: number;
  args: string[];
  stdin?: Uint8Array;
}

parentPort!.on("message", (req: Request) => {
  void tenon(req.args, req.stdin).then((result) => parentPort!.postMessage({ id: req.id, result }));
});
