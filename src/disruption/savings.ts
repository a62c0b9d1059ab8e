// The minimum saving a consolidation replacement must bring (tenon.sh/consolidation-min-savings).
import type { NodePool } from "../apis/nodepool.js";
import { MinSavingsAnnotation } from "./annotations.js";

export interface MinSavings {
  /** Fraction of the replaced price, 0 ≤ f < 1. */
  fraction: number;
  error?: string;
}

/** The pool's threshold; 0 when unset, and 0 with an error when it cannot be read. */
export function minSavings(nodePool: NodePool | undefined): MinSavings {
  const text = nodePool?.metadata.annotations?.[MinSavingsAnnotation];
  if (text === undefined) return { fraction: 0 };
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!m || Number(m[1]) >= 100) return { fraction: 0, error: `annotation ${MinSavingsAnnotation}="${text}" is not a percentage below 100% such as "20%"; ignoring it` };
  return { fraction: Number(m[1]) / 100 };
}

/** The price a replacement must stay under to replace nodes costing `price`, given the pools' thresholds (the strictest applies). */
export function priceCap(price: number, fractions: readonly number[]): number {
  const f = fractions.length > 0 ? Math.max(...fractions) : 0;
  return price * (1 - f);
}
