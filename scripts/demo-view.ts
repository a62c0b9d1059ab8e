// The demo's live view: one compact screen of what tenon is doing — its NodeClaims and their
// state, the pods still pending with tenon's reason, the disruption decisions with theirs, and
// what the cluster costs per hour. On a terminal the screen is redrawn in place; otherwise (a
// pipe, a CI log) only the lines that changed are printed, one per change.
import type { V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../src/apis/index.js";
import type { InstanceType } from "../src/cloudprovider/types.js";

/** What the screen is drawn from. */
export interface ViewState {
  claims: readonly NodeClaim[];
  pods: readonly V1Pod[];
  /** The controller's JSON log lines, oldest first. */
  log: readonly Record<string, unknown>[];
}

const cond = (c: NodeClaim, type: string): boolean => (c.status?.conditions ?? []).some((x) => x.type === type && x.status === "True");

/** A NodeClaim's state as a word: where it is in its life, or why it is going. */
export function claimState(c: NodeClaim): string {
  if (c.metadata.deletionTimestamp) return "Deleting";
  const disrupting = (c.status?.conditions ?? []).find((x) => x.type === "DisruptionReason" && x.status === "True");
  if (disrupting) return `Disrupting (${disrupting.reason})`;
  if (cond(c, "Drifted")) return "Drifted";
  for (const s of ["Ready", "Initialized", "Registered", "Launched"]) if (cond(c, s)) return s;
  return "Launching";
}

/** USD per hour of a NodeClaim's instance, from the catalog: its zone and capacity type's offering. */
export function claimPrice(c: NodeClaim, catalog: ReadonlyMap<string, InstanceType>): number | undefined {
  const l = c.metadata.labels ?? {};
  const type = catalog.get(l["node.kubernetes.io/instance-type"] ?? "");
  if (!type) return undefined;
  const offering = type.offerings.find((o) => o.zone === l["topology.kubernetes.io/zone"] && o.capacityType === l["karpenter.sh/capacity-type"]);
  return offering?.price ?? Math.min(...type.offerings.map((o) => o.price));
}

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));
const clock = (t: unknown): string => str(t).slice(11, 19);

/** The controller's decisions, as a person reads them: disruption with its reason, and why pods wait. */
export function decisions(log: readonly Record<string, unknown>[]): { disruption: string[]; unschedulable?: string } {
  const disruption: string[] = [];
  let unschedulable: string | undefined;
  for (const l of log) {
    const msg = str(l.message);
    if (msg.startsWith("disrupting node(s) via")) disruption.push(`${clock(l.time)} ${str(l.reason) || msg.slice("disrupting node(s) via ".length)}: ${str(l.command)}`);
    else if (msg === "deleting expired nodeclaim") disruption.push(`${clock(l.time)} Expired: nodeclaim ${str((l.NodeClaim as { name?: string } | undefined)?.name)} (expireAfter ${str(l.expireAfter)})`);
    else if (msg.startsWith("abandoning disruption command") || msg.startsWith("not starting disruption command")) disruption.push(`${clock(l.time)} abandoned: ${str(l.command)} (${str(l.reason)})`);
    else if (msg === "could not schedule pod(s)") unschedulable = str(l.example);
    else if (msg === "found provisionable pod(s)" || msg === "created nodeclaim") unschedulable = undefined;
  }
  return { disruption, unschedulable };
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
};

/** The screen's lines. At most `maxClaims` NodeClaim rows and the last `maxDecisions` decisions, so it stays one screen at 500 pods. */
export function renderView(s: ViewState, catalog: ReadonlyMap<string, InstanceType>, opts: { maxClaims?: number; maxDecisions?: number } = {}): string[] {
  const maxClaims = opts.maxClaims ?? 12;
  const maxDecisions = opts.maxDecisions ?? 5;
  const pods = s.pods.filter((p) => !p.metadata?.deletionTimestamp);
  const running = pods.filter((p) => p.status?.phase === "Running").length;
  const pending = pods.filter((p) => p.status?.phase === "Pending");
  const podsOn = new Map<string, number>();
  for (const p of pods) if (p.spec?.nodeName) podsOn.set(p.spec.nodeName, (podsOn.get(p.spec.nodeName) ?? 0) + 1);
  const cost = s.claims.reduce((sum, c) => sum + (claimPrice(c, catalog) ?? 0), 0);
  const out = [`pods ${running} running, ${pending.length} pending · nodeclaims ${s.claims.length} · cost $${cost.toFixed(4)}/hour`];

  const claims = [...s.claims].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  if (claims.length > 0) {
    const rows = [["NODECLAIM", "TYPE", "ZONE", "CAPACITY", "PODS", "$/HOUR", "STATE"]];
    for (const c of claims.slice(0, maxClaims)) {
      const l = c.metadata.labels ?? {};
      const price = claimPrice(c, catalog);
      rows.push([c.metadata.name ?? "", l["node.kubernetes.io/instance-type"] ?? "", l["topology.kubernetes.io/zone"] ?? "", l["karpenter.sh/capacity-type"] ?? "", String(podsOn.get(c.status?.nodeName ?? "") ?? 0), price === undefined ? "" : price.toFixed(4), claimState(c)]);
    }
    out.push(...table(rows).map((r) => `  ${r}`));
    if (claims.length > maxClaims) out.push(`  … and ${claims.length - maxClaims} more`);
  }

  const d = decisions(s.log);
  if (pending.length > 0) out.push(`pending: ${pending.length} pod${pending.length === 1 ? "" : "s"}; ${d.unschedulable ? `tenon: ${d.unschedulable}` : "waiting for the nodes tenon launches"}`);
  if (d.disruption.length > 0) {
    out.push("disruption decisions:");
    for (const line of d.disruption.slice(-maxDecisions)) out.push(`  ${line}`);
  }
  return out;
}

/** The line cut to `width` columns, with an ellipsis where it was cut (the view's text has no wide characters). */
function fit(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join("")}…`;
}

/** Writes successive screens: in place on a terminal, else only the lines that changed. */
export class Screen {
  private last: string[] = [];

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly stamp: () => string = () => new Date().toISOString().slice(11, 19),
    private readonly columns: () => number | undefined = () => process.stdout.columns,
  ) {}

  show(all: readonly string[]): void {
    if (this.tty) {
      // A line wider than the terminal wraps onto two rows, and the next redraw would move up one
      // row too few: on a terminal each line of the screen is cut to its width.
      const width = this.columns();
      const lines = width === undefined || width < 2 ? all : all.map((l) => fit(l, width - 1));
      // Up over the previous screen, then each line cleared and rewritten, then whatever is left below cleared.
      const up = this.last.length > 0 ? `\x1b[${this.last.length}F` : "";
      this.write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join("")}\x1b[J`);
      this.last = [...lines];
    } else {
      const before = new Set(this.last);
      for (const l of all) if (!before.has(l)) this.write(`${this.stamp()} ${l.trimStart()}\n`);
      this.last = [...all];
    }
  }

  /** A message above the screen (on a terminal the screen is redrawn below it). */
  note(text: string): void {
    if (this.tty && this.last.length > 0) {
      this.write(`\x1b[${this.last.length}F\x1b[J${text}\n`);
      const lines = this.last;
      this.last = [];
      this.show(lines);
    } else this.write(`${text}\n`);
  }
}
