// Runs `tenon` in this process, through the same command line as the binary (argument parsing,
// exit status, every message), with standard input given as text or bytes. An error escaping the
// command is reported as exit -1 with its stack on stderr: exactly what a user must never see.
import { bufferIO } from "../../src/cli/io.js";
import { runTenon } from "../../src/cli/program.js";
import type { CliResult, PlanJSON } from "./run-cli.js";

export async function tenon(args: string[], stdin?: string | Uint8Array): Promise<CliResult> {
  const io = bufferIO(stdin);
  try {
    const code = await runTenon(args, io);
    return { code: code ?? 0, stdout: io.out, stderr: io.err };
  } catch (err) {
    return { code: -1, stdout: io.out, stderr: `${io.err}${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
  }
}

/** The marks of a stack trace or an error class dump, which no message of the CLI may carry. */
export function assertNoStackTrace(r: CliResult): void {
  for (const text of [r.stdout, r.stderr]) {
    if (/^\s+at \S/m.test(text) || /\b[A-Z][A-Za-z]*Error\b:/.test(text) || /\bError: /.test(text)) {
      throw new Error(`output carries a stack trace or error dump:\n${text.slice(0, 2000)}`);
    }
  }
}

/** Simulates in process and parses the JSON plan, failing with the CLI's stderr if it did not exit 0. */
export async function simulateJSON(args: string[], stdin?: string): Promise<{ plan: PlanJSON; stderr: string }> {
  const r = await tenon(["simulate", "-o", "json", ...args], stdin);
  if (r.code !== 0) throw new Error(`tenon simulate ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return { plan: JSON.parse(r.stdout) as PlanJSON, stderr: r.stderr };
}
