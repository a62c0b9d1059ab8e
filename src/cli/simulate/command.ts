// `tenon simulate`: read manifests, plan, print. Exit 0 with a plan (unschedulable pods are part of
// the plan, not an error), 1 when the input is refused, 2 for wrong usage, 3 when tenon itself
// failed (a bug: the message asks for a report). Every message is one line or a short list naming
// the file, the object and the field; none carries a stack trace.
import { ValidationError } from "../../apis/parse.js";
import { catalogRegions } from "../../cloudprovider/aws/catalog.js";
import { runDisruptionSimulation } from "../disrupt.js";
import type { CliIO } from "../io.js";
import { classifyManifests } from "../manifests/classify.js";
import { parseDocuments } from "../manifests/documents.js";
import { InputErrors, type InputProblem, ManifestError } from "../manifests/errors.js";
import { type InputPath, StdinPath, readInputs } from "../manifests/read.js";
import { quote, safeJSON, safeMessage } from "../safe-text.js";
import { toPlanJSON } from "./render-json.js";
import { renderTable } from "./render-table.js";
import { parseRFC3339 } from "./rfc3339.js";
import { simulate } from "./simulation.js";

export interface SimulateOptions {
  region: string;
  output: "table" | "json";
  ignorePreferences?: boolean;
  /** --exact-budget: the exact stage's time budget in ms (the solver's default when absent). */
  exactBudget?: number;
  disruption?: boolean;
  at?: string;
  /** -f/--filename, in the order given. */
  filename?: string[];
  /** -R/--recursive: directories given with -f are searched below their top level. */
  recursive?: boolean;
}

export const ExitPlan = 0;
export const ExitInvalidInput = 1;
export const ExitUsage = 2;
export const ExitInternalError = 3;

class UsageError extends Error {}

/** Positional paths are searched recursively (as they always were); -f paths only with -R, as kubectl does. */
function inputsOf(paths: readonly string[], opts: SimulateOptions): InputPath[] {
  const inputs = [...paths.map((path) => ({ path, recursive: true })), ...(opts.filename ?? []).map((path) => ({ path, recursive: opts.recursive === true }))];
  if (inputs.length === 0) throw new UsageError("no input; give manifest files or directories (as arguments or with -f), or - to read standard input (see tenon simulate --help)");
  if (inputs.filter((i) => i.path === StdinPath).length > 1) throw new UsageError("- (standard input) is given more than once; it can be read only once");
  return inputs;
}

function checkOptions(opts: SimulateOptions): number | undefined {
  const regions = catalogRegions();
  if (!regions.includes(opts.region)) throw new UsageError(`no bundled instance type catalog for region ${quote(opts.region)}; choose one of: ${regions.join(", ")}`);
  if (opts.at === undefined) return undefined;
  const at = parseRFC3339(opts.at);
  if (at === undefined) throw new UsageError(`--at ${quote(opts.at)} is not an RFC 3339 time such as 2026-11-21T22:00:00Z or 2026-11-21T23:00:00+01:00`);
  return at;
}

async function plan(paths: readonly string[], opts: SimulateOptions, io: CliIO, at: number | undefined): Promise<number> {
  const { sources, warnings: readWarnings } = await readInputs(inputsOf(paths, opts), () => io.stdin());
  for (const w of readWarnings) io.stderr(safeMessage(`warning: ${w}\n`));
  // A file that does not parse does not hide the problems of the others: all are reported at once.
  const problems: InputProblem[] = [];
  const manifests = sources.flatMap((s) => {
    try {
      return parseDocuments(s);
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      problems.push({ source: s.source, message: err.message, error: err });
      return [];
    }
  });
  if (problems.length > 0) {
    try {
      classifyManifests(manifests, problems);
    } catch (err) {
      // In the order of the inputs, whichever stage found each problem.
      const order = new Map(sources.map((s, i) => [s.source, i]));
      if (err instanceof InputErrors) throw new InputErrors([...err.problems].sort((a, b) => (order.get(a.source) ?? 0) - (order.get(b.source) ?? 0)));
      throw err;
    }
  }
  if (opts.disruption) return runDisruptionSimulation(manifests, io, { region: opts.region, output: opts.output, ...(at !== undefined ? { now: at } : {}) });
  const set = classifyManifests(manifests);
  const { result, warnings, buffers, overlays } = simulate(set, {
    region: opts.region,
    ignorePreferences: opts.ignorePreferences,
    ...(opts.exactBudget !== undefined ? { exactTimeBudgetMs: opts.exactBudget } : {}),
    ...(at !== undefined ? { now: at } : {}),
  });
  for (const w of warnings) io.stderr(safeMessage(`warning: ${w}\n`));
  io.stdout(opts.output === "json" ? `${safeJSON(toPlanJSON(result, { buffers, overlays }))}\n` : safeMessage(renderTable(result, { buffers, overlays })));
  return ExitPlan;
}

export async function runSimulate(paths: readonly string[], opts: SimulateOptions, io: CliIO): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(safeMessage(`tenon simulate: ${message}\n`));
    return code;
  };
  try {
    // Usage is checked before any input is read, so that a usage error never waits on standard input.
    inputsOf(paths, opts);
    const at = checkOptions(opts);
    return await plan(paths, opts, io, at);
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, ExitUsage);
    if (err instanceof InputErrors && err.problems.length > 1) {
      for (const p of err.problems) io.stderr(safeMessage(`tenon simulate: ${p.message}\n`));
      const files = new Set(err.problems.map((p) => p.source)).size;
      return fail(`${err.problems.length} problems in ${files} input${files === 1 ? "" : "s"}; nothing was planned`, ExitInvalidInput);
    }
    if (err instanceof ManifestError || err instanceof ValidationError) return fail(err.message, ExitInvalidInput);
    // Not the input's fault, or not a fault tenon knew how to name: say so in one line, without a trace.
    const message = err instanceof Error ? err.message : String(err);
    return fail(`internal error (a bug in tenon; please report it with the input that caused it): ${message.split("\n")[0]}`, ExitInternalError);
  }
}
