// Runs the `tenon` CLI as a child process, exactly as a user would (through tsx, from source).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      if (err && typeof err.code !== "number") reject(err);
      else resolve({ code, stdout, stderr });
    });
    child.stdin!.end(stdin ?? "");
  });
}

/** The `--output json` plan, as documented. */
export interface PlanJSON {
  nodeClaims: { nodePool: string; instanceTypes: string[]; zones: string[]; capacityTypes: string[]; pods: string[]; pricePerHour: number }[];
  existingNodes: { name: string; pods: string[] }[];
  unschedulable: { pod: string; reasons: string[] }[];
  totalPricePerHour: number;
  lowerBoundPricePerHour: number;
  optimality?: { provenOptimal: boolean; outcome: string; ratioToLowerBound: number | null; exactPlanUsed: boolean; heuristicPricePerHour: number; reason?: string };
}

/** Simulates and parses the JSON plan, failing with the CLI's stderr if it did not exit 0. */
export async function simulateJSON(args: string[], stdin?: string): Promise<{ plan: PlanJSON; stderr: string }> {
  const r = await runCli(["simulate", "-o", "json", ...args], stdin);
  if (r.code !== 0) throw new Error(`tenon simulate ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return { plan: JSON.parse(r.stdout) as PlanJSON, stderr: r.stderr };
}

/** The claim holding a pod ("ns/name"), if any. */
export const claimOf = (plan: PlanJSON, pod: string) => plan.nodeClaims.find((c) => c.pods.includes(pod));
/** Every planned pod ("ns/name") whose name starts with the prefix, wherever it was placed. */
export const plannedPods = (plan: PlanJSON, prefix: string): string[] =>
  [...plan.nodeClaims.flatMap((c) => c.pods), ...plan.existingNodes.flatMap((n) => n.pods)].filter((p) => p.startsWith(prefix));
