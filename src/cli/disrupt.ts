// `tenon simulate --disruption`: the disruption plan for a snapshot of a cluster given as manifests
// (its NodePools, EC2NodeClasses, Nodes and Pods, as `kubectl get -o yaml` prints them, plus any
// PodDisruptionBudgets and DaemonSets), offline. It runs one disruption pass in exhaustive mode:
// the command the controller would carry out first, every other option found (each on its own,
// against the same snapshot), and why every other node would be left alone.
//
// A snapshot has Nodes but no NodeClaims, so a Node labelled karpenter.sh/nodepool is taken as
// that pool's; a Node without a Ready condition is taken as Ready and initialized, and one without
// a creation time as a day old (consolidateAfter counts from there). Expiration needs NodeClaims
// and is not simulated.
import type { V1Node, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { NodeInitializedLabel, NodePoolLabel } from "../apis/labels.js";
import {
  type Command,
  type DisruptionInput,
  type DisruptionPlan,
  type Explanation,
  MethodInfos,
  describeCommand,
  planDisruption,
} from "../disruption/index.js";
import { compileSelector } from "../core/selector.js";
import type { CliIO } from "./io.js";
import { safeJSON, safeMessage, safeText } from "./safe-text.js";
import { classifyManifests } from "./manifests/classify.js";
import { buildCluster } from "./manifests/cluster.js";
import type { Manifest } from "./manifests/documents.js";
import { podRef } from "./manifests/pod-defaults.js";
import { instanceTypesFor } from "./simulate/instance-types.js";

export interface DisruptionSimulationOptions {
  region: string;
  output?: "table" | "json";
  /** The time the plan is made at (ms since the epoch); now by default. */
  now?: number;
  /** Karpenter's SpotToSpotConsolidation feature gate. */
  spotToSpotConsolidation?: boolean;
}

export interface DisruptionPlanJSON {
  at: string;
  command?: CommandJSON;
  options: CommandJSON[];
  leftAlone: { node: string; nodePool?: string; method?: string; kind: string; reason: string; pods?: string[] }[];
  budgets: { nodePool: string; reason: string; nodes: number; allowed: number; disrupting: number }[];
  /** Savings of the command plus every option (options may overlap: indicative). */
  savingsPerHour: number;
  warnings: string[];
}

interface CommandJSON {
  method: string;
  reason: string;
  decision: "delete" | "replace";
  nodes: { name: string; nodePool: string; instanceType: string; capacityType: string; pricePerHour: number; pods: string[] }[];
  replacements: { nodePool: string; instanceTypes: string[]; capacityTypes: string[]; pricePerHour: number }[];
  savingsPerHour: number;
  description: string;
}

const price = (n: number): number => Math.round(n * 1e6) / 1e6;
const dollars = (n: number): string => `$${n.toFixed(4)}`;
const dayMs = 86_400_000;

/** A PodDisruptionBudget without status (written by hand): what it would allow over the snapshot's pods. */
function estimateStatus(pdb: V1PodDisruptionBudget, pods: readonly V1Pod[]): V1PodDisruptionBudget {
  if (pdb.status?.disruptionsAllowed !== undefined) return pdb;
  const sel = compileSelector(pdb.spec?.selector);
  const ns = pdb.metadata?.namespace ?? "default";
  const n = pods.filter((p) => (p.metadata?.namespace ?? "default") === ns && sel.matches(p.metadata?.labels)).length;
  const scaled = (v: number | string | undefined, up: boolean): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === "number") return v;
    const m = /^(\d+)%$/.exec(v);
    if (!m) return Number(v);
    const x = (Number(m[1]) * n) / 100;
    return up ? Math.ceil(x) : Math.floor(x);
  };
  const maxUnavailable = scaled(pdb.spec?.maxUnavailable as number | string | undefined, true);
  const minAvailable = scaled(pdb.spec?.minAvailable as number | string | undefined, true);
  const allowed = maxUnavailable !== undefined ? maxUnavailable : minAvailable !== undefined ? Math.max(0, n - minAvailable) : 0;
  return { ...pdb, status: { currentHealthy: n, desiredHealthy: n - allowed, expectedPods: n, disruptionsAllowed: allowed } };
}

/** The snapshot as the disruption core's input. */
/**
 * The snapshot as the disruption core's input. A snapshot with NodeClaims is read exactly as the
 * controller reads the cluster; one of Nodes and Pods only (no NodeClaims) treats every node of a
 * NodePool as managed and initialized (`nodesWithoutClaims`), since nothing else says so.
 */
export function snapshotInput(manifests: readonly Manifest[], opts: DisruptionSimulationOptions): { input: DisruptionInput; warnings: string[]; nodesWithoutClaims: boolean } {
  const now = opts.now ?? Date.now();
  const set = classifyManifests(manifests);
  const pdbs = set.pdbs;
  const types = instanceTypesFor(set.nodePools, set.nodeClasses, opts.region, set.sources, set.nodeOverlays);
  const cluster = buildCluster(set, { now, instanceTypes: types.byNodePool });
  const nodesWithoutClaims = set.nodeClaims.length === 0;
  const nodes: V1Node[] = set.nodes.map((n) => {
    const labels = { ...(n.metadata?.labels ?? {}) };
    if (nodesWithoutClaims && labels[NodePoolLabel] !== undefined && labels[NodeInitializedLabel] === undefined) labels[NodeInitializedLabel] = "true";
    const conditions = n.status?.conditions?.some((c) => c.type === "Ready") ? n.status.conditions : [...(n.status?.conditions ?? []), { type: "Ready", status: "True" }];
    return {
      ...n,
      metadata: { ...n.metadata, labels, creationTimestamp: n.metadata?.creationTimestamp ?? (new Date(now - dayMs).toISOString() as unknown as Date) },
      status: { ...n.status, conditions },
    };
  });
  const bound = cluster.existingNodes.flatMap((e) => e.pods.map((p) => ({ ...p, spec: { ...p.spec!, nodeName: e.name } })));
  const pending = cluster.pendingPods.map((p) => ({ ...p, status: { ...p.status, phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] } }));
  const pods = [...bound, ...pending];
  return {
    input: {
      nodePools: set.nodePools,
      nodeClaims: set.nodeClaims,
      nodes,
      pods,
      pdbs: pdbs.map((p) => estimateStatus(p, pods)),
      daemonSets: set.daemonSets,
      volumes: cluster.volumes,
      instanceTypes: types.byNodePool,
    },
    warnings: [...set.warnings, ...types.warnings, ...cluster.warnings],
    nodesWithoutClaims,
  };
}

function commandJSON(c: Command): CommandJSON {
  return {
    method: c.method,
    reason: MethodInfos[c.method].reason,
    decision: c.decision,
    nodes: c.candidates.map((x) => ({ name: x.name, nodePool: x.nodePoolName ?? "", instanceType: x.instanceType.name, capacityType: x.capacityType, pricePerHour: price(x.price), pods: x.reschedulablePods.map(podRef) })),
    replacements: c.replacements.map((r) => ({ nodePool: r.nodePool, instanceTypes: r.planned.instanceTypes.map((t) => t.name), capacityTypes: r.planned.capacityTypes, pricePerHour: price(r.pricePerHour) })),
    savingsPerHour: price(c.savingsPerHour),
    description: describeCommand(c),
  };
}

export function toDisruptionPlanJSON(plan: DisruptionPlan, warnings: readonly string[]): DisruptionPlanJSON {
  const first = new Map<string, Explanation>();
  for (const e of plan.explanations) if (!first.has(e.node) || first.get(e.node)!.kind === "NotEvaluated") first.set(e.node, e);
  const budgets: DisruptionPlanJSON["budgets"] = [];
  for (const reason of ["Drifted", "Empty", "Underutilized"]) for (const b of plan.budgets[reason] ?? []) budgets.push({ nodePool: b.nodePool, reason, nodes: b.nodes, allowed: b.allowed, disrupting: b.disrupting });
  return {
    at: new Date(plan.now).toISOString(),
    ...(plan.command ? { command: commandJSON(plan.command) } : {}),
    options: plan.options.map(commandJSON),
    leftAlone: [...first.values()]
      .sort((a, b) => a.node.localeCompare(b.node))
      .map((e) => ({ node: e.node, ...(e.nodePool ? { nodePool: e.nodePool } : {}), ...(e.method ? { method: e.method } : {}), kind: e.kind, reason: e.message, ...(e.pods ? { pods: e.pods } : {}) })),
    budgets,
    savingsPerHour: price((plan.command?.savingsPerHour ?? 0) + plan.options.reduce((s, o) => s + o.savingsPerHour, 0)),
    warnings: [...warnings, ...plan.warnings.map((w) => `NodePool "${w.nodePool}": ${w.message}`)],
  };
}

/** Cells come from manifests (names, reasons): each is escaped so that it stays on its row and cannot drive the terminal. */
function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(safeText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("   ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

const replacementText = (c: CommandJSON): string =>
  c.replacements.length === 0 ? "-" : c.replacements.map((r) => `${r.instanceTypes.slice(0, 3).join(", ")}${r.instanceTypes.length > 3 ? ` +${r.instanceTypes.length - 3} more` : ""} (${r.capacityTypes.join("/")}, ${dollars(r.pricePerHour)}/h)`).join("; ");

export function renderDisruptionTable(p: DisruptionPlanJSON): string {
  const out: string[] = [`Disruption plan at ${p.at}`];
  const rows = (cs: CommandJSON[]) =>
    cs.map((c) => [c.method, c.decision, c.nodes.map((n) => `${n.name} (${n.instanceType}, ${dollars(n.pricePerHour)}/h)`).join(", "), replacementText(c), `${dollars(c.savingsPerHour)}/h`]);
  const header = ["METHOD", "DECISION", "NODES", "REPLACEMENT", "SAVES"];
  if (p.command) {
    out.push("", "First command (what the controller would do now):", table(header, rows([p.command])));
  } else out.push("", "No disruption: nothing would be deleted or replaced now.");
  if (p.options.length > 0) out.push("", `Other options (${p.options.length}; each on its own against this snapshot):`, table(header, rows(p.options)));
  if (p.leftAlone.length > 0) out.push("", `Nodes left alone (${p.leftAlone.length}):`, table(["NODE", "NODEPOOL", "WHY", "DETAIL"], p.leftAlone.map((e) => [e.node, e.nodePool ?? "", e.kind, e.reason])));
  if (p.budgets.length > 0) {
    const pools = [...new Set(p.budgets.map((b) => b.nodePool))];
    out.push(
      "",
      "Budgets (nodes that may be disrupting at once):",
      table(
        ["NODEPOOL", "NODES", "DRIFTED", "EMPTY", "UNDERUTILIZED"],
        pools.map((np) => {
          const of = (r: string) => p.budgets.find((b) => b.nodePool === np && b.reason === r);
          const cell = (r: string) => {
            const b = of(r);
            return b ? (b.allowed >= 2_147_483_647 ? "unlimited" : String(b.allowed)) : "";
          };
          return [np, String(of("Empty")?.nodes ?? 0), cell("Drifted"), cell("Empty"), cell("Underutilized")];
        }),
      ),
    );
  }
  out.push("", `Savings: ${dollars(p.savingsPerHour)}/hour if the command and every option were carried out (options may overlap).`);
  return `${out.join("\n")}\n`;
}

/** Plans and renders; for the CLI. */
export function simulateDisruption(manifests: readonly Manifest[], opts: DisruptionSimulationOptions): { output: string; json: DisruptionPlanJSON; warnings: string[] } {
  const { input, warnings, nodesWithoutClaims } = snapshotInput(manifests, opts);
  const plan = planDisruption(input, {
    now: opts.now ?? Date.now(),
    exhaustive: true,
    nodesWithoutClaims,
    requireReadyNodePools: false,
    spotToSpotConsolidation: opts.spotToSpotConsolidation === true,
  });
  const json = toDisruptionPlanJSON(plan, warnings);
  return { output: opts.output === "json" ? `${safeJSON(json)}\n` : safeMessage(renderDisruptionTable(json)), json, warnings: json.warnings };
}

/**
 * The `tenon simulate --disruption` hook: prints the plan (warnings on stderr) and returns the
 * exit status. Invalid manifests throw the simulate command's ManifestError/ValidationError.
 */
export function runDisruptionSimulation(manifests: readonly Manifest[], io: CliIO, opts: DisruptionSimulationOptions): number {
  const r = simulateDisruption(manifests, opts);
  for (const w of r.warnings) io.stderr(safeMessage(`warning: ${w}\n`));
  io.stdout(r.output);
  return 0;
}
