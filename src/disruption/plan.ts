// One disruption pass over a snapshot of the cluster: which NodeClaims expire (forcefully, budgets
// or not), which have drifted, which are consolidatable, and the one command the first method with
// something to do proposes — sleep windows, limits, drift, emptiness, multi-node and single-node
// consolidation, in that order — with the reason every other node was left alone. Pure: the
// controller reads the cluster, calls this, and writes the result.
import { consolidatableAt, expiredClaims, explanation } from "./candidates.js";
import { driftOf } from "./drift.js";
import { driftDisruption } from "./driftdisruption.js";
import { emptiness } from "./emptiness.js";
import { limitsDisruption } from "./limits.js";
import { multiNode } from "./multinode.js";
import { Pass } from "./pass.js";
import { minSavings } from "./savings.js";
import { singleNode } from "./singlenode.js";
import { sleepDisruption } from "./sleepdisruption.js";
import { ClusterView } from "./state.js";
import { type Command, type DisruptionInput, type DisruptionOptions, type DisruptionPlan, type Method, Methods } from "./types.js";

export function planDisruption(input: DisruptionInput, opts: DisruptionOptions): DisruptionPlan {
  const pre = new ClusterView(input, opts);
  const expired = expiredClaims(pre);
  const pass = new Pass(input, opts, new Set(expired.map((e) => e.claim.metadata.name ?? "")));
  const view = pass.view;
  const plan: DisruptionPlan = {
    now: opts.now,
    expired,
    drift: [],
    consolidatable: [],
    options: [],
    explanations: pass.explanations,
    budgets: {},
    eligible: {},
    timeouts: [],
    timings: {},
    warnings: [],
    simulations: 0,
    moves: pass.moves,
  };
  const warn = (nodePool: string, message: string) => {
    if (!plan.warnings.some((w) => w.nodePool === nodePool && w.message === message)) plan.warnings.push({ nodePool, message });
  };
  for (const np of input.nodePools) {
    const s = minSavings(np);
    if (s.error !== undefined) warn(np.metadata.name ?? "", s.error);
  }

  // Conditions: drift of every launched claim, consolidatable state of every initialized one.
  for (const s of view.stateNodes) {
    const claim = s.claim;
    if (!claim) continue;
    const name = claim.metadata.name ?? "";
    const np = s.nodePoolName !== undefined ? view.pools.get(s.nodePoolName) : undefined;
    const d = driftOf(claim, np, input.cloudDrift?.get(name));
    pass.drift.set(name, d);
    plan.drift.push(d);
    if (np && s.initialized && s.node) {
      const at = consolidatableAt(s, np);
      plan.consolidatable.push({ claim: name, consolidatable: at !== undefined && opts.now >= at, ...(at !== undefined ? { at } : {}) });
    }
  }
  for (const [key, pools] of pass.budgets) plan.budgets[key] = [...pools.values()].map((b) => ({ ...b }));

  const enabled = new Set<Method>(opts.methods ?? Methods);
  const exhaustive = opts.exhaustive === true;
  const timed = <T>(m: Method, f: () => T): T => {
    const t0 = pass.elapsed();
    try {
      return f();
    } finally {
      plan.timings[m] = (plan.timings[m] ?? 0) + pass.elapsed() - t0;
    }
  };
  const eligible = (m: Method) => (n: number) => void (plan.eligible[m] = n);
  let command: Command | undefined;
  const found = (cmd: Command | undefined): void => {
    if (!cmd) return;
    for (const c of cmd.candidates) pass.taken.add(c.name);
    if (!command) command = cmd;
    else plan.options.push(cmd);
  };
  for (const m of Methods) {
    // Karpenter acts on the first method with something to do; exhaustive mode looks at them all.
    if (!enabled.has(m) || (command && !exhaustive)) continue;
    switch (m) {
      case "sleep":
        found(timed(m, () => sleepDisruption(pass, eligible(m), warn)));
        break;
      case "limits":
        found(timed(m, () => limitsDisruption(pass, eligible(m), warn)));
        break;
      case "drift":
        found(timed(m, () => driftDisruption(pass, eligible(m))));
        break;
      case "emptiness":
        found(timed(m, () => emptiness(pass, eligible(m))));
        break;
      case "multi": {
        const r = timed(m, () => multiNode(pass, eligible(m)));
        if (r.timedOut) plan.timeouts.push(m);
        found(r.command);
        break;
      }
      case "single": {
        const r = timed(m, () => singleNode(pass, eligible(m), new Set(), exhaustive));
        if (r.timedOut) plan.timeouts.push(m);
        found(r.command);
        for (const o of r.options) found(o);
        break;
      }
    }
  }
  if (command) plan.command = command;

  // Every candidate left alone has a reason, if only that another command went first.
  for (const c of pass.allCandidates) {
    if (pass.taken.has(c.name) || pass.hasExplanation(c.name)) continue;
    pass.add(
      explanation(c, {
        kind: "NotEvaluated",
        message: command ? `not evaluated this pass: ${command.method} disrupts ${command.candidates.length === 1 ? command.candidates[0]!.name : `${command.candidates.length} nodes`} first` : "no disruption method applies to it",
        event: "Unconsolidatable",
      }),
    );
  }
  plan.simulations = pass.simulations;
  return plan;
}

/** A command in words, as Karpenter logs it: "replace, terminating 1 nodes (3 pods) a/m5.xlarge/on-demand and replacing with …". */
export function describeCommand(cmd: Command): string {
  const pods = cmd.candidates.reduce((n, c) => n + c.reschedulablePods.length, 0);
  const olds = cmd.candidates.map((c) => `${c.name}/${c.instanceType.name}/${c.capacityType}`).join(", ");
  let s = `${cmd.decision}, terminating ${cmd.candidates.length} nodes (${pods} pods) ${olds}`;
  if (cmd.replacements.length === 0) return s;
  const types = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} other(s)` : names.join(", "));
  if (cmd.replacements.length > 1) {
    s += ` and replacing with ${cmd.replacements.length} nodes, from types ${types(cmd.replacements[0]!.planned.instanceTypes.map((t) => t.name))}`;
    return s;
  }
  const r = cmd.replacements[0]!;
  const ct = r.planned.capacityTypes.length === 1 ? `${r.planned.capacityTypes[0]} node` : "node";
  return `${s} and replacing with ${ct} from types ${types(r.planned.instanceTypes.map((t) => t.name))}`;
}
