// The plan as text for people: new NodeClaims, pods placed on existing nodes, pods that cannot be
// scheduled with the reasons, and the totals against the lower bound.
import type { SchedulingResult } from "../../scheduling/index.js";
import type { BufferOutcome, OverlayChange } from "./buffers.js";
import { podRef } from "../manifests/pod-defaults.js";
import { safeText } from "../safe-text.js";
import { explanationText } from "./explanations.js";

/** How many instance type names a row shows before summarising the rest as "+N more". */
const ShownInstanceTypes = 3;

/** Cells come from manifests (names, values): each is escaped so that it stays on its row and cannot drive the terminal. */
function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(safeText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

const dollars = (n: number): string => `$${n.toFixed(4)}`;

/** "1 pod", "2 pods". */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

/**
 * The lower bound is what these pods' capacity would cost if it could be bought in any fraction
 * of a node: no plan can be cheaper. Said in words, since a bare ratio means nothing to a reader.
 */
/** Whether the plan is proven optimal (the exact stage) or how far from the bound it may be. */
export function optimalityLine(result: SchedulingResult): string | undefined {
  const e = result.exact;
  if (!e || result.nodeClaims.length === 0) return undefined;
  const gap = result.lowerBoundPricePerHour > 0 ? `within ${((result.totalPricePerHour / result.lowerBoundPricePerHour - 1) * 100).toFixed(1)} % of the lower bound` : "with no bound to compare against";
  const replaced = e.usedExactPlan ? `; the exact packing replaced the first-fit plan, which cost ${dollars(e.heuristicPricePerHour)}/hour` : "";
  if (e.outcome === "optimal") return `Optimality: proven optimal by the exact packing (MILP)${e.reason ? `, ${e.reason}` : ""}${replaced}.`;
  if (e.outcome === "withinBound") return `Optimality: not proven (${e.reason ?? "the exact packing stopped early"}); this plan is ${gap}${replaced}.`;
  return `Optimality: not checked exactly (${e.reason ?? "skipped"}); this plan is ${gap}.`;
}

function lowerBoundLine(result: SchedulingResult): string {
  const bound = result.lowerBoundPricePerHour;
  if (result.nodeClaims.length === 0) return "Lower bound: no new nodes are needed.";
  if (bound <= 0) return "Lower bound: none could be computed for these pods.";
  const ratio = result.totalPricePerHour / bound;
  const within = ratio <= 1.0005 ? "this plan is at the bound: none can be cheaper" : `this plan costs ${ratio.toFixed(2)}× that, since nodes come whole`;
  // Raised by the exact stage's MILP bound, it is no longer the fractional one.
  const how = result.exact && result.exact.outcome !== "skipped" && bound > 0 && ratio <= 1.0005 && result.exact.reason === undefined ? "proven by the exact packing over whole nodes" : "their requests priced as if capacity came in any fraction of a node";
  return `Lower bound: no plan for these pods costs less than ${dollars(bound)}/hour (${how}); ${within}.`;
}

function instanceTypes(names: string[]): string {
  const shown = names.slice(0, ShownInstanceTypes).join(", ");
  return names.length > ShownInstanceTypes ? `${shown} +${names.length - ShownInstanceTypes} more (${names.length})` : shown;
}

/** Where each buffer's room went, and what the overlays changed: only when the input has them. */
function extrasTable(extra: { buffers?: BufferOutcome[]; overlays?: OverlayChange[] }): string[] {
  const out: string[] = [];
  const buffers = extra.buffers ?? [];
  if (buffers.length > 0) {
    const room = (b: BufferOutcome) =>
      [...b.nodeClaims.map((c) => `nodeclaim #${c.index + 1} (${c.pods})`), ...b.existingNodes.map((n) => `node ${n.name} (${n.pods})`), ...(b.unschedulable > 0 ? [`${b.unschedulable} without a place`] : [])].join(", ") || "-";
    out.push("", `CapacityBuffers: ${buffers.length} (their room is planned as pending pods; no pod runs)`);
    out.push(table(["BUFFER", "REPLICAS", "ROOM ON", "STATE"], buffers.map((b) => [b.buffer, String(b.replicas), room(b), b.state])));
  }
  const overlays = extra.overlays ?? [];
  if (overlays.length > 0) {
    const cap = (o: OverlayChange) => Object.entries(o.capacity ?? {}).map(([k, v]) => `${k} ${v.from ?? 0}→${v.to}`).join(", ") || "-";
    out.push("", `NodeOverlays changed ${count(overlays.length, "instance type")}:`);
    out.push(table(["NODEPOOL", "INSTANCE TYPE", "PRICE $/HOUR", "CAPACITY"], overlays.map((o) => [o.nodePool, o.instanceType, o.price ? `${dollars(o.price.from)} → ${dollars(o.price.to)}` : "-", cap(o)])));
  }
  return out;
}

export function renderTable(result: SchedulingResult, extra: { buffers?: BufferOutcome[]; overlays?: OverlayChange[] } = {}): string {
  const out: string[] = [];
  const placedNew = result.nodeClaims.reduce((n, c) => n + c.pods.length, 0);
  const placedExisting = result.existingNodes.reduce((n, e) => n + e.pods.length, 0);

  out.push(`NodeClaims to create: ${result.nodeClaims.length}`);
  if (result.nodeClaims.length > 0) {
    out.push(
      table(
        ["#", "NODEPOOL", "INSTANCE TYPES (cheapest first)", "ZONES", "CAPACITY", "PODS", "$/HOUR"],
        result.nodeClaims.map((c, i) => [
          String(i + 1),
          c.nodePool,
          instanceTypes(c.instanceTypes.map((t) => t.name)),
          c.zones.join(","),
          c.capacityTypes.join(","),
          String(c.pods.length),
          dollars(c.pricePerHour),
        ]),
      ),
    );
  }

  if (result.existingNodes.length > 0) {
    out.push("", `Pods placed on existing nodes: ${placedExisting}`);
    out.push(
      table(
        ["NODE", "PODS"],
        result.existingNodes.map((n) => [n.name, n.pods.map(podRef).join(", ")]),
      ),
    );
  }

  if (result.unschedulable.length > 0) {
    out.push("", `Pods that cannot be scheduled: ${result.unschedulable.length}`);
    for (const u of result.unschedulable) {
      out.push(`  ${safeText(podRef(u.pod))}`);
      for (const r of u.reasons) out.push(`    - ${safeText(explanationText(r))}`);
    }
  }

  out.push(...extrasTable(extra));

  const nodes = result.nodeClaims.length;
  out.push(
    "",
    `Total: ${dollars(result.totalPricePerHour)}/hour for ${count(nodes, "new node")}; ` +
      `${count(placedNew, "pod")} on new nodes, ${placedExisting} on existing nodes, ${result.unschedulable.length} unschedulable`,
  );
  out.push(lowerBoundLine(result));
  const opt = optimalityLine(result);
  if (opt) out.push(opt);
  return `${out.join("\n")}\n`;
}
