import type { Placement } from "../targets.js";
import { type TopologyView, domainOf } from "./evaluate.js";
import type { TopologyGroup } from "./group.js";

/** Topology counts a placement added, so a move can take exactly them back. */
export interface Recorded {
  counted: [TopologyGroup, string][];
  owned: [TopologyGroup, string, boolean][];
}

/**
 * Keeps the topology groups' counts in step with placements: a placed pod counts in every group
 * that selects it (spread groups only on nodes passing their filter), and as an owner of the groups
 * it honoured. What was added is remembered per placement so a move can take it back exactly.
 */
export class TopologyLedger {
  readonly recorded = new Map<Placement, Recorded>();

  record(p: Placement, view: TopologyView, sign: 1 | -1): void {
    if (sign === -1) {
      const r = this.recorded.get(p);
      if (!r) return;
      for (const [g, d] of r.counted) g.record(d, -1);
      for (const [g, d, required] of r.owned) {
        g.recordActiveOwner(d, -1);
        if (required) g.recordRequiredOwner(d, -1);
      }
      this.recorded.delete(p);
      return;
    }
    const r: Recorded = { counted: [], owned: [] };
    for (const g of p.shape.selectedBy) {
      if (g.kind === "spread" && g.filter && !view.passesFilter(g.filter)) continue;
      const d = domainOf(view, g.key);
      if (d === undefined) continue;
      g.record(d, 1);
      r.counted.push([g, d]);
    }
    for (const o of p.shape.levels[p.level]!.owned) {
      const d = domainOf(view, o.group.key);
      if (d === undefined) continue;
      const required = o.required && o.group.kind === "antiAffinity";
      o.group.recordActiveOwner(d, 1);
      if (required) o.group.recordRequiredOwner(d, 1);
      r.owned.push([o.group, d, required]);
    }
    if (r.counted.length > 0 || r.owned.length > 0) this.recorded.set(p, r);
  }
}
