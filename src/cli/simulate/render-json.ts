// The plan as JSON (`--output json`): a stable, documented shape for scripts and tests, with pods
// named "namespace/name" and instance types by name, cheapest first.
import type { SchedulingResult } from "../../scheduling/index.js";
import { podRef } from "../manifests/pod-defaults.js";
import { explanationText } from "./explanations.js";
import type { BufferOutcome, OverlayChange } from "./buffers.js";

/** Buffers and overlays are listed only when the input has some, so plans without them read as before. */
function planExtras(e: { buffers?: BufferOutcome[]; overlays?: OverlayChange[] }): Pick<PlanJSON, "buffers" | "overlays"> {
  return {
    ...(e.buffers && e.buffers.length > 0 ? { buffers: e.buffers } : {}),
    ...(e.overlays && e.overlays.length > 0 ? { overlays: e.overlays.map((o) => (o.price ? { ...o, price: { from: price(o.price.from), to: price(o.price.to) } } : o)) } : {}),
  };
}

export interface PlanJSON {
  nodeClaims: { nodePool: string; instanceTypes: string[]; zones: string[]; capacityTypes: string[]; pods: string[]; pricePerHour: number }[];
  existingNodes: { name: string; pods: string[] }[];
  unschedulable: { pod: string; reasons: string[] }[];
  totalPricePerHour: number;
  /** No plan for these pods costs less per hour (capacity priced as if it came in any fraction of a node). */
  lowerBoundPricePerHour: number;
  /** What the exact (MILP) stage established: proven optimal, or only within a ratio of the bound, and why. */
  optimality?: { provenOptimal: boolean; outcome: string; ratioToLowerBound: number | null; exactPlanUsed: boolean; heuristicPricePerHour: number; reason?: string };
  /** CapacityBuffers: how many chunks each asks for now, and which nodeClaims (by index) and nodes hold its room. */
  buffers?: BufferOutcome[];
  /** What the NodeOverlays changed: the cheapest price and the capacities of each type they touched, per NodePool. */
  overlays?: OverlayChange[];
}

/** Prices are sums and products of floats; six decimals (a ten-thousandth of a cent) is exact enough and reads cleanly. */
const price = (n: number): number => Math.round(n * 1e6) / 1e6;

export function toPlanJSON(result: SchedulingResult, extra: { buffers?: BufferOutcome[]; overlays?: OverlayChange[] } = {}): PlanJSON {
  return {
    nodeClaims: result.nodeClaims.map((c) => ({
      nodePool: c.nodePool,
      instanceTypes: c.instanceTypes.map((t) => t.name),
      zones: c.zones,
      capacityTypes: c.capacityTypes,
      pods: c.pods.map(podRef),
      pricePerHour: price(c.pricePerHour),
    })),
    existingNodes: result.existingNodes.map((n) => ({ name: n.name, pods: n.pods.map(podRef) })),
    unschedulable: result.unschedulable.map((u) => ({ pod: podRef(u.pod), reasons: u.reasons.map(explanationText) })),
    totalPricePerHour: price(result.totalPricePerHour),
    lowerBoundPricePerHour: price(result.lowerBoundPricePerHour),
    ...(result.exact
      ? {
          optimality: {
            provenOptimal: result.exact.outcome === "optimal",
            outcome: result.exact.outcome,
            ratioToLowerBound: result.lowerBoundPricePerHour > 0 ? Math.round((result.totalPricePerHour / result.lowerBoundPricePerHour) * 1e4) / 1e4 : null,
            exactPlanUsed: result.exact.usedExactPlan,
            heuristicPricePerHour: price(result.exact.heuristicPricePerHour),
            ...(result.exact.reason ? { reason: result.exact.reason } : {}),
          },
        }
      : {}),
    ...planExtras(extra),
  };
}
