// `tenon simulate`: read manifests, plan, print. Exit 0 with a plan (unschedulable pods are part of
// the plan, not an error), 1 when the input is not valid, 2 for wrong usage.
import { ValidationError } from "../../apis/parse.js";
import { runDisruptionSimulation } from "../disrupt.js";
import { catalogRegions } from "../../cloudprovider/aws/catalog.js";
import { classifyManifests } from "../manifests/classify.js";
import { parseDocuments } from "../manifests/documents.js";
import { ManifestError } from "../manifests/errors.js";
import type { CliIO } from "../io.js";
import { readAllStdin, readSources } from "../manifests/read.js";
import { toPlanJSON } from "./render-json.js";
import { renderTable } from "./render-table.js";
import { simulate } from "./simulation.js";

export interface SimulateOptions {
  region: string;
  output: "table" | "json";
  ignorePreferences?: boolean;
  disruption?: boolean;
  at?: string;
}

export const ExitInvalidInput = 1;
export const ExitUsage = 2;

export async function runSimulate(paths: string[], opts: SimulateOptions, io: CliIO): Promise<number> {
  if (paths.length === 0) {
    io.stderr("tenon simulate: no input; give manifest files or directories, or - to read standard input (see tenon simulate --help)\n");
    return ExitUsage;
  }
  const regions = catalogRegions();
  if (!regions.includes(opts.region)) {
    io.stderr(`tenon simulate: no bundled instance type catalog for region "${opts.region}"; choose one of: ${regions.join(", ")}\n`);
    return ExitUsage;
  }
  try {
    const sources = await readSources(paths, () => readAllStdin(io.stdin()));
    if (opts.disruption) {
      const at = opts.at === undefined ? undefined : Date.parse(opts.at);
      if (at !== undefined && Number.isNaN(at)) {
        io.stderr(`tenon simulate: --at "${opts.at}" is not an RFC 3339 time such as 2026-11-21T22:00:00Z\n`);
        return ExitUsage;
      }
      return runDisruptionSimulation(sources.flatMap(parseDocuments), io, { region: opts.region, output: opts.output, ...(at !== undefined ? { now: at } : {}) });
    }
    const set = classifyManifests(sources.flatMap(parseDocuments));
    const { result, warnings } = simulate(set, { region: opts.region, ignorePreferences: opts.ignorePreferences });
    for (const w of warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(opts.output === "json" ? `${JSON.stringify(toPlanJSON(result), null, 2)}\n` : renderTable(result));
    return 0;
  } catch (err) {
    if (err instanceof ManifestError || err instanceof ValidationError) {
      io.stderr(`tenon simulate: ${err.message}\n`);
      return ExitInvalidInput;
    }
    throw err;
  }
}
