// Drift: replace nodes that no longer match their NodePool or node class, oldest drift first,
// within the Drifted budget. Empty drifted nodes go at once (nothing to move); a node with pods is
// replaced by whatever the simulation says its pods need (any price: the point is to move off the
// old configuration), one per pass, and only if every pod has a place. The simulation places the
// node's own pods alone, on the room other nodes have and on new NodeClaims: pending pods and the
// pods of nodes already going are not packed into its replacements (they have the provisioner and
// their own commands), so a replacement launches no more nodes than the node's pods need.
import { podsBlock } from "./candidates.js";
import { makeCommand } from "./consolidation.js";
import { driftedSince } from "./drift.js";
import type { Pass } from "./pass.js";
import { podName } from "./pods.js";
import { ClusterView } from "./state.js";
import type { Candidate, Command } from "./types.js";

export function driftDisruption(pass: Pass, eligible: (n: number) => void): Command | undefined {
  const drifted: Candidate[] = [];
  for (const c of pass.candidates) {
    if (pass.drift.get(ClusterView.claimName(c))?.reason === undefined) continue;
    if (podsBlock(c, true)) {
      pass.explain(c, "drift", { kind: c.podBlock!.kind, message: `${c.podBlock!.message} (set a terminationGracePeriod on the NodePool to let drift proceed regardless)`, pods: c.podBlock!.pods });
      continue;
    }
    drifted.push(c);
  }
  eligible(drifted.length);
  const now = pass.opts.now;
  drifted.sort((a, b) => driftedSince(a.claim, now) - driftedSince(b.claim, now) || a.name.localeCompare(b.name));

  const empty: Candidate[] = [];
  for (const c of drifted) {
    if (c.reschedulablePods.length > 0) continue;
    const pool = c.nodePoolName!;
    if (pass.remaining("drift", pool) === 0) {
      pass.explain(c, "drift", { kind: "Budget", message: pass.budgetMessage("drift", pool) });
      continue;
    }
    pass.take("drift", pool);
    empty.push(c);
  }
  if (empty.length > 0) return makeCommand("drift", empty, []);

  for (const c of drifted) {
    if (c.reschedulablePods.length === 0) continue;
    const pool = c.nodePoolName!;
    if (pass.remaining("drift", pool) === 0) {
      pass.explain(c, "drift", { kind: "Budget", message: pass.budgetMessage("drift", pool) });
      continue;
    }
    const r = pass.sim.simulate([c], { kind: "any" }, { alone: true });
    if (!r.ok) {
      const f = r.failures[0]!;
      pass.explain(c, "drift", { kind: f.kind, message: f.message, pods: r.failures.map((x) => podName(x.pod)) });
      continue;
    }
    return makeCommand(
      "drift",
      [c],
      r.newClaims.map((p) => ({ nodePool: p.nodePool, planned: p, pricePerHour: p.pricePerHour })),
    );
  }
  return undefined;
}
