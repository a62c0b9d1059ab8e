// The `tenon` command line: `tenon controller` (the default, so a Karpenter-style deployment that
// passes only flags starts the controller) and `tenon simulate`, which plans offline from files.
// Built per run around an IO, so tests run it in process exactly as the binary does.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { packageVersion } from "../operator/buildinfo.js";
import { addConfigOptions } from "../operator/config.js";
import { startController } from "./controller.js";
import type { CliIO } from "./io.js";
import { safeMessage } from "./safe-text.js";
import { ExitUsage, runSimulate, type SimulateOptions } from "./simulate/command.js";
import { MaxAliasCount, MaxDepth, MaxDocuments, MaxInputBytes, MaxPods, MaxTotalInputBytes, mebibytes } from "./simulate/limits.js";

const simulateHelp = `
Reads NodePool, EC2NodeClass, Pod, Deployment, ReplicaSet, StatefulSet, Job, CronJob, DaemonSet,
Node, PersistentVolumeClaim, PersistentVolume and StorageClass objects, as multi-document YAML
(YAML 1.1 as kubectl reads it: merge keys, yes/no booleans) or JSON, in UTF-8 or UTF-16 with a
byte order mark, or as \`kubectl get -o yaml\` List output. Workloads become their pods; pods bound
to a Node count as running there. Objects are checked as the API server checks them (names,
labels, quantities, requests within limits, selectors matching templates); symbolic links are
followed (ConfigMap volumes), entries starting with "." in directories are skipped.

Limits: inputs of at most ${mebibytes(MaxInputBytes)} each and ${mebibytes(MaxTotalInputBytes)} together, ${MaxDocuments} YAML documents
per input, values nested ${MaxDepth} levels deep, ${MaxAliasCount} YAML alias expansions per document; at most
${MaxPods} pods in one simulation (those in the input plus those its workloads would create).

Exit status: 0 with a plan (pods that cannot be scheduled are part of it), 1 for input that is
refused (the message names the file, the object and the field), 2 for wrong usage, 3 when tenon
itself failed (a bug; please report it).

Examples:
  tenon simulate examples/basic
  tenon simulate -R -f manifests/ -f nodepools.yaml
  kubectl get nodepools,ec2nodeclasses,nodes,pods,deployments -A -o yaml | tenon simulate -f - -o json`;

function buildProgram(args: readonly string[], io: CliIO, setExitCode: (code: number) => void): Command {
  const program = new Command("tenon")
    .description("Just-in-time node autoscaler for Kubernetes on AWS, compatible with Karpenter's v1 API")
    // From the package.json shipped beside dist/, as karpenter_build_info reports it.
    .version(packageVersion() || "unknown", "--version", "print tenon's version and exit");

  addConfigOptions(program.command("controller", { isDefault: true }))
    .description("run the controller against the cluster (the default command)")
    // The controller reads its own flags (everything after `controller`, or everything when it was implied).
    .action(() => startController(args[0] === "controller" ? args.slice(1) : [...args]));

  program
    .command("simulate")
    .description("plan the nodes for the pods in manifest files, offline: nothing is read from or written to a cluster or AWS")
    .argument("[paths...]", "manifest files or directories (directories searched recursively for *.yaml, *.yml, *.json); - reads standard input")
    .option("-f, --filename <path>", "a manifest file or directory, as with kubectl (repeatable; - reads standard input)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("-R, --recursive", "search directories given with -f in their subdirectories too, as with kubectl")
    .option("--region <region>", "AWS region whose bundled instance type catalog to use", "us-east-1")
    .addOption(new Option("-o, --output <format>", "how to print the plan").choices(["table", "json"]).default("table"))
    .option("--ignore-preferences", "plan as if pods had no preferred (soft) affinities or spreads")
    .option("--exact-budget <ms>", "time budget of the exact (MILP) packing stage in milliseconds; 0 turns it off (the default, as in the controller, so that the plan is the controller's; e.g. 10000 to look for a cheaper packing)", (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("a number of milliseconds, 0 or more");
      return n;
    })
    .option("--disruption", "print the disruption (consolidation, drift, sleep) plan for a snapshot of Nodes, Pods and NodePools")
    .option("--at <time>", "plan as of this RFC 3339 time (sleep windows, budgets, CapacityBuffer active windows), e.g. 2026-12-02T09:00:00Z (default now)")
    .addHelpText("after", simulateHelp)
    .action(async (paths: string[], opts: SimulateOptions) => setExitCode(await runSimulate(paths, opts, io)));

  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    // Commander echoes what it could not parse (an unknown option, a bad choice): printed safely too.
    cmd.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(safeMessage(s)) });
  }
  return program;
}

/**
 * Runs `tenon` with the arguments after the program name. Returns the exit status a command set
 * (usage errors are 2, keeping 1 for bad manifests), or undefined when the command keeps running
 * (the controller owns the process from then on).
 */
export async function runTenon(args: readonly string[], io: CliIO): Promise<number | undefined> {
  let code: number | undefined;
  const program = buildProgram(args, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitUsage;
    throw err;
  }
  return code;
}
