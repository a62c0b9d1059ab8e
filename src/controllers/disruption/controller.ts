// The disruption controller: its own loop, every ten seconds (every second while a command is in
// progress), level-based. Each pass reads the cluster state and the cloud provider, asks the pure
// core (src/disruption) what to do, and writes the outcome:
//   - expired NodeClaims are deleted at once (forceful: no budgets, no do-not-disrupt);
//   - the Drifted and Consolidatable conditions of every NodeClaim are brought up to date;
//   - why each node was left alone is recorded as an event (and in Consolidatable's message);
//   - the command the pass found is carried out (orchestration.ts), a consolidation only after
//     its validation TTL and a fresh re-validation;
//   - what a crash or an abandoned command left behind (stale taints, DisruptionReason conditions) is
//     cleaned up.
import { schedulingPolicies } from "../provisioning/provisioner.js";
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { CapacityTypeLabel, ConditionDisruptionReason, DisruptedTaintKey, DoNotDisruptAnnotation, NodePoolLabel } from "../../apis/labels.js";
import {
  type Command,
  type DisruptionInput,
  type DisruptionOptions,
  type DisruptionPlan,
  type Explanation,
  type Method,
  MethodInfos,
  Methods,
  describeCommand,
  planDisruption,
  validateCommand,
} from "../../disruption/index.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../operator/metrics.js";
import { families } from "../../operator/metrics-families.js";
import type { ClusterState } from "../../state/cluster.js";
import { getCondition } from "../shared/conditions.js";
import { deleteNodeClaim } from "../shared/kube.js";
import type { ManagedController } from "../shared/deps.js";
import { doNotDisruptActive, nextProtectionEnd } from "../../state/donotdisrupt.js";
import { isActive, isDeleting } from "../../state/predicates.js";
import { doNotDisruptEvents } from "../shared/karpenter-events.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import { type ConditionFacts } from "./conditions.js";
import {
  abandonedEvents,
  consolidationApprovedEvents,
  consolidationApprovedNodePoolEvent,
  consolidationCandidateEvents,
  consolidationRejectedEvents,
  explanationEvents,
  nodePoolBlockedEvent,
  nodePoolWarningEvent,
  podBlockingEvent,
  terminatingEvents,
} from "./events.js";
import { InputBuilder } from "./input.js";
import { type ActiveCommand, Orchestrator } from "./orchestration.js";
import { type DisruptionControllerDeps, type DisruptionSettings, settingsOf } from "./settings.js";
import { PodEvents } from "./podevents.js";

export const DisruptionControllerName = "disruption";
export const DISRUPTION_KEY = "disruption";

/** Methods whose commands wait out the validation TTL (Karpenter's consolidation). */
const validated = new Set<Method>(["emptiness", "multi", "single"]);
/** Without any change in the cluster, consolidation is simulated again after this long anyway (Karpenter: 5 min). */
const consolidationStateTTLMs = 5 * 60_000;
/** Condition writes in flight at once. */
const writeConcurrency = 8;

interface Pending {
  command: Command;
  description: string;
  validateAt: number;
}

async function inBatches<T>(items: readonly T[], n: number, f: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(f));
}

export class DisruptionReconciler implements Reconciler {
  readonly name = DisruptionControllerName;
  readonly settings: DisruptionSettings;
  readonly orchestrator: Orchestrator;
  private readonly inputs: InputBuilder;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private pending: Pending | undefined;
  /** The cluster as it was when consolidation last found nothing, and when. */
  private consolidated: { fingerprint: string; at: number; explanations: Explanation[] } | undefined;
  /** The last pass's plan (for tests and `kubectl`-less debugging). */
  lastPlan: DisruptionPlan | undefined;
  /** Passes that planned (tests wait on this rather than on time). */
  passes = 0;

  constructor(private readonly deps: DisruptionControllerDeps) {
    this.settings = settingsOf(deps);
    this.metrics = deps.metrics ?? defaultMetrics;
    this.log = controllerLogger(deps.logger, this.name);
    this.inputs = new InputBuilder(deps, this.settings);
    this.orchestrator = new Orchestrator({ ...deps, metrics: this.metrics, log: this.log, settings: this.settings });
  }

  private options(now: number, methods?: readonly Method[]): DisruptionOptions {
    return {
      now,
      elapsed: () => performance.now(),
      spotToSpotConsolidation: this.deps.config.featureGates.SpotToSpotConsolidation,
      scheduling: schedulingPolicies(this.deps.config),
      multiNodeTimeoutMs: this.settings.multiNodeTimeoutMs,
      singleNodeTimeoutMs: this.settings.singleNodeTimeoutMs,
      ...(methods ? { methods } : {}),
    };
  }

  async reconcile(): Promise<ReconcileResult | undefined> {
    const { state, clock } = this.deps;
    // Deciding from a partial view would disrupt nodes whose pods have nowhere to go.
    if (!state.synced) return { requeueAfterMs: 1000 };
    // Nor from buffers not yet resolved: their room would look free and be consolidated away.
    if (this.deps.buffers && !this.deps.buffers.synced) return { requeueAfterMs: 1000 };
    const now = clock.now();

    await this.orchestrator.advance((except) => this.inputs.build(this.orchestrator.inProgress(except)), this.options(now));
    const input = await this.inputs.build(this.orchestrator.inProgress());
    const plan = this.plan(input, now);
    this.lastPlan = plan;
    this.passes += 1;

    await this.expire(plan);
    await this.writeConditions(input, plan);
    await this.cleanUp(input);
    this.publish(input, plan);
    this.observe(plan);

    let acted = false;
    if (this.pending) {
      if (now < this.pending.validateAt) return { requeueAfterMs: this.pending.validateAt - now };
      const p = this.pending;
      this.pending = undefined;
      const check = validateCommand(p.command, input, this.options(now));
      if (check.valid) {
        await this.orchestrator.start(check.command);
        acted = true;
      } else {
        this.log.info({ command: p.description, reason: check.reason }, "abandoning disruption command, it no longer holds");
        families.failedValidations.inc({ consolidation_type: MethodInfos[p.command.method].consolidationType }, p.command.candidates.length);
        const consolidation = p.command.method === "multi" || p.command.method === "single";
        for (const c of p.command.candidates) {
          // Karpenter's event with its kind of failure, and tenon's with the reason in full.
          if (consolidation) this.deps.recorder.publish(...consolidationRejectedEvents(p.command, c, check.kind));
          this.deps.recorder.publish(...abandonedEvents(c.node, c.claim, p.description, check.reason));
        }
      }
    } else if (plan.command) {
      if (validated.has(plan.command.method)) {
        this.pending = { command: plan.command, description: describeCommand(plan.command), validateAt: now + this.settings.validationTTLMs };
        if (plan.command.method === "multi" || plan.command.method === "single") {
          for (const c of plan.command.candidates) this.deps.recorder.publish(...consolidationCandidateEvents(plan.command, c));
        }
        this.log.debug({ command: this.pending.description }, `validating disruption command in ${this.settings.validationTTLMs}ms`);
        return { requeueAfterMs: this.settings.validationTTLMs };
      }
      await this.orchestrator.start(plan.command);
      acted = true;
    }
    if (acted || this.orchestrator.active.length > 0) return { requeueAfterMs: this.settings.orchestrationPollMs };
    // A do-not-disrupt duration ending before the next poll: look again right then.
    const ends = nextProtectionEnd(input.pods, now);
    return { requeueAfterMs: ends !== undefined ? Math.max(1, Math.min(this.settings.pollingPeriodMs, Math.ceil(ends - now))) : this.settings.pollingPeriodMs };
  }

  /**
   * The pass's plan. Consolidation (the simulations) is skipped when nothing changed since it last
   * found nothing to do, as Karpenter skips it, but at least every five minutes it looks again.
   */
  private plan(input: DisruptionInput, now: number): DisruptionPlan {
    const cheap = Methods.filter((m) => m !== "multi" && m !== "single");
    const first = planDisruption(input, this.options(now, cheap));
    if (first.command || this.pending) return first;
    const fingerprint = this.fingerprint(input, first, now);
    const c = this.consolidated;
    if (c && c.fingerprint === fingerprint && now - c.at < consolidationStateTTLMs) {
      return { ...first, explanations: [...first.explanations, ...c.explanations.filter((e) => !first.explanations.some((f) => f.node === e.node))] };
    }
    const full = planDisruption(input, this.options(now));
    if (!full.command) this.consolidated = { fingerprint, at: now, explanations: full.explanations.filter((e) => e.method === "multi" || e.method === "single") };
    else this.consolidated = undefined;
    return full;
  }

  private fingerprint(input: DisruptionInput, plan: DisruptionPlan, now: number): string {
    const h = createHash("sha1");
    // A do-not-disrupt duration running out changes nothing in the API, yet frees its node.
    for (const p of input.pods) if (p.metadata?.annotations?.[DoNotDisruptAnnotation] !== undefined) h.update(`${p.metadata.uid ?? p.metadata.name}:${doNotDisruptActive(p, now)}`);
    const rv = (o: { metadata?: { name?: string; resourceVersion?: string } }) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
    for (const list of [input.nodes, input.nodeClaims, input.nodePools, input.pdbs ?? [], input.pods]) for (const o of list) h.update(rv(o as { metadata?: { name?: string; resourceVersion?: string } }));
    h.update(JSON.stringify(plan.consolidatable.filter((c) => c.consolidatable).map((c) => c.claim)));
    h.update(JSON.stringify(plan.budgets));
    return h.digest("hex");
  }

  /** Deletes expired NodeClaims (Karpenter v1: forceful). */
  private async expire(plan: DisruptionPlan): Promise<void> {
    for (const e of plan.expired) {
      const name = e.claim.metadata.name ?? "";
      if (this.orchestrator.deletedRecently(name)) continue;
      this.deps.recorder.publish(...terminatingEvents(e.node, e.claim, "Expired"));
      if (await deleteNodeClaim(this.deps.kube, e.claim)) {
        this.orchestrator.rememberDeleted(name);
        this.metrics.nodeClaimsDisrupted.inc({ reason: "expired", nodepool: e.claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: e.claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
        this.log.info({ NodeClaim: { name }, expireAfter: e.claim.spec.expireAfter }, "deleting expired nodeclaim");
      }
    }
  }

  /** Drifted, Consolidatable and (stale) DisruptionReason conditions, written where they changed. */
  private async writeConditions(input: DisruptionInput, plan: DisruptionPlan): Promise<void> {
    const drift = new Map(plan.drift.map((d) => [d.claim, d]));
    const consolidatable = new Map(plan.consolidatable.map((c) => [c.claim, c]));
    const explanation = new Map<string, Explanation>();
    for (const e of plan.explanations) {
      if (e.kind === "NotEvaluated" || e.kind === "Timeout" || !e.nodeClaim) continue;
      if (!explanation.has(e.nodeClaim) || e.method === "single") explanation.set(e.nodeClaim, e);
    }
    const inProgress = this.orchestrator.inProgress();
    const work: { claim: (typeof input.nodeClaims)[number]; facts: ConditionFacts }[] = [];
    for (const claim of input.nodeClaims) {
      const name = claim.metadata.name ?? "";
      if (isDeleting(claim) || this.orchestrator.deletedRecently(name)) continue;
      const c = consolidatable.get(name);
      const facts: ConditionFacts = {
        drift: drift.get(name) ?? {},
        consolidatable: { consolidatable: c?.consolidatable === true, message: explanation.get(name)?.message ?? "" },
      };
      if (!inProgress.has(name) && getCondition(claim.status?.conditions, ConditionDisruptionReason)) facts.disrupting = null;
      work.push({ claim, facts });
    }
    await inBatches(work, writeConcurrency, async ({ claim, facts }) => {
      try {
        await this.orchestrator.writeConditions(claim, facts);
      } catch (err) {
        // A concurrent writer (the lifecycle controller) won; the next pass writes again.
        this.log.debug({ NodeClaim: { name: claim.metadata.name }, error: err instanceof Error ? err.message : String(err) }, "could not write disruption conditions");
      }
    });
  }

  /** Taints karpenter.sh/disrupted left on nodes no command is taking away (a restart, an abandoned command). */
  private async cleanUp(input: DisruptionInput): Promise<void> {
    const inProgress = this.orchestrator.inProgress();
    const claimOf = new Map<string, (typeof input.nodeClaims)[number]>();
    for (const c of input.nodeClaims) if (c.status?.providerID) claimOf.set(c.status.providerID, c);
    for (const node of input.nodes) {
      if (!(node.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey) || isDeleting(node)) continue;
      const claim = node.spec?.providerID ? claimOf.get(node.spec.providerID) : undefined;
      if (!claim || isDeleting(claim)) continue;
      const name = claim.metadata.name ?? "";
      if (inProgress.has(name) || this.orchestrator.deletedRecently(name)) continue;
      try {
        await this.orchestrator.untaint(node);
        this.log.info({ Node: { name: node.metadata?.name } }, "removed a stale karpenter.sh/disrupted taint");
      } catch (err) {
        this.log.debug({ Node: { name: node.metadata?.name }, error: err instanceof Error ? err.message : String(err) }, "could not remove a stale taint");
      }
    }
  }

  private publish(input: DisruptionInput, plan: DisruptionPlan): void {
    // As Karpenter, each pass reads the do-not-disrupt of every running pod on a managed node, and says what it found.
    const managed = new Set(input.nodeClaims.map((c) => c.status?.nodeName).filter((n): n is string => !!n));
    for (const p of input.pods) {
      if (p.spec?.nodeName && managed.has(p.spec.nodeName) && isActive(p)) this.deps.recorder.publish(...doNotDisruptEvents(p, plan.now));
    }
    const nodes = new Map(input.nodes.map((n) => [n.metadata?.name ?? "", n]));
    const claims = new Map(input.nodeClaims.map((c) => [c.metadata.name ?? "", c]));
    const pods = new Map(input.pods.map((p) => [`${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? ""}`, p]));
    for (const e of plan.explanations) {
      if (e.kind === "NotEvaluated") continue;
      this.deps.recorder.publish(...explanationEvents(e, nodes.get(e.node), e.nodeClaim ? claims.get(e.nodeClaim) : undefined));
      if (e.kind === "PodDoNotDisrupt" && (e.method === "sleep" || e.method === "limits")) {
        for (const key of e.pods ?? []) {
          const p = pods.get(key);
          if (p) this.deps.recorder.publish(podBlockingEvent(p, `keeps node ${e.node}: ${e.message}`));
        }
      }
    }
    const pools = new Map(input.nodePools.map((np) => [np.metadata.name ?? "", np]));
    // Balanced scores that approved a move: on the node for a single-node move, on the NodePool for a multi-node one.
    for (const move of plan.moves) {
      if (move.score?.decision !== "approved") continue;
      if (move.kind === "single") {
        const claim = claims.get(move.nodes[0] ?? "") ?? input.nodeClaims.find((c) => c.status?.nodeName === move.nodes[0]);
        this.deps.recorder.publish(...consolidationApprovedEvents(nodes.get(move.nodes[0] ?? ""), claim, move.score));
      } else {
        const np = pools.get(move.nodePool);
        if (np) this.deps.recorder.publish(consolidationApprovedNodePoolEvent(np, move.score));
      }
    }
    for (const w of plan.warnings) {
      const np = pools.get(w.nodePool);
      if (np) this.deps.recorder.publish(nodePoolWarningEvent(np, w.message));
    }
    for (const reason of ["Drifted", "Empty", "Underutilized"] as const) {
      for (const b of plan.budgets[reason] ?? []) {
        const np = pools.get(b.nodePool);
        if (np && b.nodes > 0 && b.allowed === 0) this.deps.recorder.publish(nodePoolBlockedEvent(np, reason));
      }
    }
  }

  private observe(plan: DisruptionPlan): void {
    for (const reason of ["Drifted", "Empty", "Underutilized"] as const) {
      for (const b of plan.budgets[reason] ?? []) this.metrics.nodePoolAllowedDisruptions.set({ nodepool: b.nodePool, reason }, b.allowed);
      for (const b of plan.budgets[reason] ?? []) families.nodesConsumingBudgets.set({ nodepool: b.nodePool, reason }, b.disrupting);
    }
    for (const [m, n] of Object.entries(plan.eligible) as [Method, number][]) this.metrics.disruptionEligibleNodes.set({ reason: MethodInfos[m].metricReason }, n);
    for (const [m, ms] of Object.entries(plan.timings) as [Method, number][]) {
      this.metrics.disruptionEvaluationDuration.observe({ reason: MethodInfos[m].metricReason, consolidation_type: MethodInfos[m].consolidationType }, ms / 1000);
    }
    for (const m of plan.timeouts) this.metrics.disruptionConsolidationTimeouts.inc({ consolidation_type: MethodInfos[m].consolidationType });
    for (const move of plan.moves) {
      this.metrics.consolidationMoves.inc({ decision: move.decision, nodepool: move.nodePool, policy: move.policy });
      if (move.score) this.metrics.consolidationScore.observe({ decision: move.score.decision, nodepool: move.nodePool, policy: move.policy }, move.score.value);
    }
  }

  /** The command waiting out its validation TTL, if any. */
  get waiting(): Command | undefined {
    return this.pending?.command;
  }

  get inProgress(): readonly ActiveCommand[] {
    return this.orchestrator.active;
  }
}

/**
 * The disruption controller, and the pod-event recorder that keeps NodeClaims' lastPodEventTime
 * (what consolidateAfter counts from). Wire with `newDisruptionController(deps)`; `watch(state)`
 * starts the loop.
 */
export function newDisruptionController(deps: DisruptionControllerDeps): ManagedController & { reconciler: DisruptionReconciler; podEvents: PodEvents } {
  const reconciler = new DisruptionReconciler(deps);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name) });
  const podEvents = new PodEvents(deps, reconciler.settings);
  return {
    name: reconciler.name,
    controller,
    reconciler,
    podEvents,
    watch(state: ClusterState) {
      podEvents.watch(state);
      controller.enqueue(DISRUPTION_KEY);
    },
    async run(signal) {
      await Promise.all([controller.run(signal), podEvents.controller.run(signal)]);
    },
  };
}
