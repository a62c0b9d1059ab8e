// An unschedulable pod's reasons in words: which NodePool (or the existing nodes) and what failed.
import type { Explanation } from "../../scheduling/index.js";

export function explanationText(e: Explanation): string {
  if (e.nodePool !== undefined) return `nodepool "${e.nodePool}": ${e.detail}`;
  if (e.existingNodes !== undefined) return `existing nodes: ${e.detail}`;
  return e.detail;
}
