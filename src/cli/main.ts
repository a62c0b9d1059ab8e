#!/usr/bin/env node
// The `tenon` binary: runs the command line against the process's own streams.
import { processIO } from "./io.js";
import { runTenon } from "./program.js";

const code = await runTenon(process.argv.slice(2), processIO);
if (code !== undefined) process.exitCode = code;
