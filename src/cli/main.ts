#!/usr/bin/env node
// The `tenon` binary: runs the command line against the process's own streams.
import { processIO } from "./io.js";
import { runTenon } from "./program.js";

// `tenon simulate … | head` closes the pipe early: that ends the output, it is not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  process.stderr.write(`tenon: cannot write the output: ${err.code ?? err.message}\n`);
  process.exit(3);
});

try {
  const code = await runTenon(process.argv.slice(2), processIO);
  if (code !== undefined) process.exitCode = code;
} catch (err) {
  // Commands name their own errors; anything reaching here is a bug, told in one line.
  process.stderr.write(`tenon: internal error (a bug in tenon; please report it): ${err instanceof Error ? err.message.split("\n")[0] : String(err)}\n`);
  process.exitCode = 3;
}
