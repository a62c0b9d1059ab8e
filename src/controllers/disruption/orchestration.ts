// Carrying out disruption commands, the writing half of the controller. A consolidation waits
// out its validation TTL first (the reconciler re-validates it); a drift command first looks at
// each candidate's drift afresh (the cloud provider describes the instance again) and does not
// start if one is no longer drifted or cannot be judged; then:
//   1. its candidates' NodeClaims get the DisruptionReason condition (the intent survives in the API);
//   2. replacement NodeClaims are created, built as the provisioner builds them;
//   3. it waits, pass after pass, until every replacement is Initialized (a replacement that
//      disappears — an insufficient-capacity launch is deleted — or takes longer than the timeout
//      abandons the command);
//   4. a last look that nothing now blocks the candidates (a do-not-disrupt pod that arrived …) and,
//      for drift, that each is still drifted (a fresh look again; if it cannot be judged now, the
//      next pass looks again, until the timeout);
//   5. the candidates' Nodes are tainted karpenter.sh/disrupted:NoSchedule and their NodeClaims
//      deleted; termination drains them through the Eviction API (PDBs, terminationGracePeriod).
// Commands live in memory: after a restart, what is left behind (a DisruptionReason condition, a taint
// on a node that is not being deleted) is cleaned up by the reconciler, and replacements already
// created are simply nodes.
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { CapacityTypeLabel, ConditionInitialized, DisruptedTaintKey, NodePoolLabel } from "../../apis/labels.js";
import { type NodeClaim, NodeClaimSchema } from "../../apis/nodeclaim.js";
import type { CloudProvider, DriftReason } from "../../cloudprovider/types.js";
import { type Command, type DisruptionInput, type DisruptionOptions, MethodInfos, describeCommand, driftOf, validateCommand } from "../../disruption/index.js";
import type { EventRecorder } from "../../operator/events.js";
import { type KubeClients, isConflict, isNotFound } from "../../operator/kube.js";
import type { Metrics } from "../../operator/metrics.js";
import { families } from "../../operator/metrics-families.js";
import type { ClusterState } from "../../state/cluster.js";
import { isTrue } from "../shared/conditions.js";
import { NodeClaims, deleteNodeClaim, patchNode, patchNodeClaimStatus } from "../shared/kube.js";
import { isDeleting } from "../../state/predicates.js";
import { buildNodeClaim } from "../provisioning/nodeclaim.js";
import type { Clock } from "../runtime/clock.js";
import { disruptionConditions } from "./conditions.js";
import { abandonedEvents, launchingEvent, terminatingEvents, waitingEvent } from "./events.js";
import type { DisruptionSettings } from "./settings.js";

export interface ActiveCommand {
  id: number;
  command: Command;
  description: string;
  /** Names of the replacement NodeClaims created for it. */
  replacements: string[];
  startedAt: number;
  initialized: Set<string>;
}

interface OrchestratorDeps {
  kube: KubeClients;
  state: ClusterState;
  cloudProvider: CloudProvider;
  recorder: EventRecorder;
  clock: Clock;
  metrics: Metrics;
  log: Logger;
  settings: DisruptionSettings;
}

const DisruptedNoSchedule = { key: DisruptedTaintKey, effect: "NoSchedule" };
/** How long a NodeClaim this controller deleted is remembered (the cache may still show it undeleted). */
const deletedMemoryMs = 2 * 60_000;

export class Orchestrator {
  readonly active: ActiveCommand[] = [];
  private readonly deleted = new Map<string, number>();
  private seq = 0;

  constructor(private readonly d: OrchestratorDeps) {}

  /** NodeClaim names of the candidates of commands in progress. */
  inProgress(except?: ActiveCommand): Set<string> {
    const out = new Set<string>();
    for (const a of this.active) if (a !== except) for (const c of a.command.candidates) out.add(c.claim?.metadata.name ?? c.name);
    return out;
  }

  /** Whether the controller deleted this NodeClaim recently (the cache may lag). */
  deletedRecently(name: string): boolean {
    const now = this.d.clock.now();
    for (const [n, at] of this.deleted) if (now - at > deletedMemoryMs) this.deleted.delete(n);
    return this.deleted.has(name);
  }

  rememberDeleted(name: string): void {
    this.deleted.set(name, this.d.clock.now());
  }

  /**
   * Why a drift command's candidates may not go now, from a fresh look at each: one is no longer
   * drifted (`retry` false), or its drift cannot be judged at the moment (`retry` true).
   */
  async driftGone(command: Command): Promise<{ reason: string; retry: boolean } | undefined> {
    if (command.method !== "drift") return undefined;
    for (const c of command.candidates) {
      const name = c.claim?.metadata.name;
      const claim = name ? (this.d.state.nodeClaims.get(name) ?? c.claim) : undefined;
      if (!claim) continue;
      let cloud: DriftReason | undefined;
      try {
        cloud = await this.d.cloudProvider.isDrifted(claim);
      } catch (err) {
        return { reason: `looking at nodeclaim/${name}'s drift again failed: ${err instanceof Error ? err.message : String(err)}`, retry: true };
      }
      if (driftOf(claim, this.d.state.nodePools.get(c.nodePoolName ?? ""), cloud).reason === undefined) return { reason: `nodeclaim/${name} is no longer drifted`, retry: false };
    }
    return undefined;
  }

  /** Starts a validated command: marks its candidates, creates its replacements. */
  async start(command: Command): Promise<void> {
    const info = MethodInfos[command.method];
    const description = describeCommand(command);
    const gone = await this.driftGone(command);
    if (gone) {
      // Nothing was done yet: no replacement is launched for a node that may stay.
      this.d.log.info({ command: description, reason: gone.reason }, "not starting disruption command, it no longer holds");
      for (const c of command.candidates) this.d.recorder.publish(...abandonedEvents(c.node, c.claim, description, gone.reason));
      return;
    }
    const active: ActiveCommand = { id: ++this.seq, command, description, replacements: [], startedAt: this.d.clock.now(), initialized: new Set() };
    this.d.log.info(
      { command: description, method: command.method, reason: info.reason, decision: command.decision, nodeclaims: command.candidates.map((c) => c.claim?.metadata.name ?? c.node?.metadata?.name ?? ""), savingsPerHour: Number(command.savingsPerHour.toFixed(4)) },
      `disrupting node(s) via ${info.reason.toLowerCase()}`,
    );
    this.d.metrics.disruptionDecisions.inc({ decision: command.decision, reason: info.metricReason, consolidation_type: info.consolidationType });
    for (const nodepool of new Set(command.candidates.map((c) => c.nodePool.metadata.name ?? ""))) families.decisionsByNodePool.inc({ nodepool, decision: command.decision, reason: info.metricReason, consolidation_type: info.consolidationType });
    await this.markDisrupting(active);
    this.active.push(active);
    for (const r of command.replacements) {
      const pool = this.d.state.nodePools.get(r.nodePool);
      if (!pool || isDeleting(pool)) {
        await this.abandon(active, `NodePool "${r.nodePool}" of the replacement is gone`);
        return;
      }
      try {
        const raw: unknown = await this.d.kube.customObjects.createClusterCustomObject({ ...NodeClaims, body: buildNodeClaim(r.planned, pool) });
        const claim = NodeClaimSchema.parse(raw);
        const name = claim.metadata.name ?? "";
        active.replacements.push(name);
        this.d.metrics.nodeClaimsCreated.inc({ reason: info.metricReason, nodepool: r.nodePool, capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "", min_values_relaxed: String(r.planned.minValuesRelaxed) });
        this.d.recorder.publish(launchingEvent(claim, info.reason));
        this.d.log.info({ NodeClaim: { name }, NodePool: { name: r.nodePool }, "instance-types": r.planned.instanceTypes.slice(0, 5).map((t) => t.name).join(", ") }, "created replacement nodeclaim");
      } catch (err) {
        await this.abandon(active, `creating a replacement NodeClaim failed: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
  }

  /**
   * Moves every command in progress along. `freshInput(except)` builds the input with that
   * command's own candidates not counted as in progress.
   */
  async advance(freshInput: (except: ActiveCommand) => Promise<DisruptionInput>, opts: DisruptionOptions): Promise<void> {
    for (const a of [...this.active]) {
      try {
        await this.advanceOne(a, freshInput, opts);
      } catch (err) {
        if (isConflict(err)) continue;
        this.d.log.error({ command: a.description, error: err instanceof Error ? err.message : String(err) }, "advancing disruption command failed");
      }
    }
  }

  private async advanceOne(a: ActiveCommand, freshInput: (except: ActiveCommand) => Promise<DisruptionInput>, opts: DisruptionOptions): Promise<void> {
    const now = this.d.clock.now();
    const info = MethodInfos[a.command.method];
    for (const name of a.replacements) {
      if (a.initialized.has(name)) continue;
      const claim = this.d.state.nodeClaims.get(name);
      if (!claim || isDeleting(claim)) {
        if (!claim && now - a.startedAt < this.d.settings.replacementGraceMs) continue;
        await this.abandon(a, `replacement nodeclaim/${name} is gone (it could not be launched, or was deleted)`);
        return;
      }
      if (isTrue(claim.status?.conditions, ConditionInitialized)) {
        a.initialized.add(name);
        continue;
      }
      this.d.recorder.publish(waitingEvent(claim));
    }
    if (a.initialized.size < a.replacements.length) {
      if (now - a.startedAt > this.d.settings.replacementTimeoutMs) {
        await this.abandon(a, `replacements did not initialize within ${Math.round(this.d.settings.replacementTimeoutMs / 1000)}s`);
      }
      return;
    }
    // Everything is up: a last look, then taint and delete.
    const check = validateCommand(a.command, await freshInput(a), opts, { simulate: false, blockersOnly: true });
    if (!check.valid) {
      await this.abandon(a, check.reason);
      return;
    }
    const gone = await this.driftGone(a.command);
    if (gone?.retry) {
      if (now - a.startedAt > this.d.settings.replacementTimeoutMs) await this.abandon(a, gone.reason);
      else this.d.log.debug({ command: a.description, reason: gone.reason }, "waiting to confirm drift before disrupting");
      return;
    }
    if (gone) {
      await this.abandon(a, gone.reason);
      return;
    }
    for (const c of check.command.candidates) {
      const node = c.node ? this.d.state.nodes.get(c.node.metadata?.name ?? "") : undefined;
      if (node) await this.taint(node);
    }
    for (const c of check.command.candidates) {
      const claim = c.claim ? (this.d.state.nodeClaims.get(c.claim.metadata.name ?? "") ?? c.claim) : undefined;
      if (!claim) continue;
      this.d.recorder.publish(...terminatingEvents(c.node, claim, info.reason));
      if (await deleteNodeClaim(this.d.kube, claim)) {
        this.rememberDeleted(claim.metadata.name ?? "");
        this.d.metrics.nodeClaimsDisrupted.inc({ reason: info.metricReason, nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
      }
    }
    this.d.log.info({ command: a.description }, "disrupted node(s)");
    this.remove(a);
  }

  /** Drops a command: clears its candidates' DisruptionReason condition and untaints them. */
  async abandon(a: ActiveCommand, reason: string): Promise<void> {
    const info = MethodInfos[a.command.method];
    this.d.log.info({ command: a.description, reason }, "abandoning disruption command");
    this.d.metrics.disruptionQueueFailures.inc({ decision: a.command.decision, reason: info.metricReason, consolidation_type: info.consolidationType });
    this.remove(a);
    for (const c of a.command.candidates) {
      const name = c.claim?.metadata.name;
      const claim = name ? this.d.state.nodeClaims.get(name) : undefined;
      const node = c.node ? this.d.state.nodes.get(c.node.metadata?.name ?? "") : undefined;
      this.d.recorder.publish(...abandonedEvents(node, claim, a.description, reason));
      try {
        if (claim && !isDeleting(claim)) await this.writeConditions(claim, { disrupting: null });
        if (node && !isDeleting(node)) await this.untaint(node);
      } catch (err) {
        // Left for the reconciler's clean-up of stale conditions and taints.
        this.d.log.debug({ Node: { name: c.name }, error: err instanceof Error ? err.message : String(err) }, "could not clean up after an abandoned command");
      }
    }
  }

  private remove(a: ActiveCommand): void {
    const i = this.active.indexOf(a);
    if (i >= 0) this.active.splice(i, 1);
  }

  private async markDisrupting(a: ActiveCommand): Promise<void> {
    const info = MethodInfos[a.command.method];
    for (const c of a.command.candidates) {
      const claim = c.claim ? (this.d.state.nodeClaims.get(c.claim.metadata.name ?? "") ?? c.claim) : undefined;
      if (!claim) continue;
      try {
        await this.writeConditions(claim, { disrupting: { reason: info.reason, message: a.description } });
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
  }

  async writeConditions(claim: NodeClaim, facts: Parameters<typeof disruptionConditions>[1]): Promise<boolean> {
    const before = claim.status?.conditions ?? [];
    const after = disruptionConditions({ ...claim, status: { ...claim.status, conditions: before } }, facts, this.d.clock.now());
    if (after === before) return false;
    await patchNodeClaimStatus(this.d.kube, claim.metadata.name ?? "", claim.metadata.resourceVersion, { conditions: [...after] });
    return true;
  }

  async taint(node: V1Node): Promise<void> {
    const taints = node.spec?.taints ?? [];
    if (taints.some((t) => t.key === DisruptedNoSchedule.key && t.effect === DisruptedNoSchedule.effect)) return;
    await patchNode(this.d.kube, node.metadata?.name ?? "", {
      metadata: { resourceVersion: node.metadata?.resourceVersion },
      spec: { taints: [...taints.filter((t) => t.key !== DisruptedTaintKey), DisruptedNoSchedule] },
    });
  }

  async untaint(node: V1Node): Promise<void> {
    const taints = node.spec?.taints ?? [];
    if (!taints.some((t) => t.key === DisruptedTaintKey)) return;
    await patchNode(this.d.kube, node.metadata?.name ?? "", { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints.filter((t) => t.key !== DisruptedTaintKey) } });
  }
}
