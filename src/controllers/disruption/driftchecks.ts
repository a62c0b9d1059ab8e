// What the cloud provider says about each NodeClaim's drift, as the disruption passes read it.
// CloudProvider.isDrifted looks at the instance afresh (AWS: a DescribeInstances made for the
// judgement) and at its node class's status; this decides when to ask, and how far to trust an
// answer, so that a stale view never becomes a replacement:
//  - only an initialized claim is asked: before that its instance may still show partial data (a
//    security group attached just before the node registers), and an answer from then is stale;
//  - "not drifted" is asked again after the TTL (Karpenter: 5 minutes), or at once when the claim's
//    node class resolves to something else (other AMIs, subnets, security groups, reservations);
//  - "drifted" is reported only once a second look, a polling period later, agrees (one stale
//    read must not replace a node), and is looked at again every polling period after that, so
//    the Drifted condition goes as soon as the drift does;
//  - a look that fails (throttled, the node class not resolved, the instance still starting)
//    changes nothing.
import type { Logger } from "pino";
import { ConditionInitialized, ConditionReady, EC2NodeClassHashAnnotation } from "../../apis/labels.js";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { CloudProvider, DriftReason } from "../../cloudprovider/types.js";
import type { ClusterState } from "../../state/cluster.js";
import { isTrue } from "../shared/conditions.js";
import { isDeleting } from "../../state/predicates.js";
import type { Clock } from "../runtime/clock.js";
import type { DisruptionSettings } from "./settings.js";

interface Answer {
  uid: string;
  /** When it was last asked. */
  at: number;
  reason?: DriftReason;
  /** When it was first found drifted (in this run of drifted answers). */
  since?: number;
  /** A second look, a polling period after the first, agreed. */
  confirmed: boolean;
  /** What the claim's node class resolved to when asked. */
  nodeClass: string;
}

export interface DriftCheckDeps {
  state: ClusterState;
  cloudProvider: CloudProvider;
  clock: Clock;
  logger: Logger;
}

/** The parts of a node class's status and spec a drift answer depends on. */
function nodeClassFingerprint(nc: EC2NodeClass | undefined): string {
  if (!nc) return "";
  const s = nc.status;
  return JSON.stringify([
    nc.metadata.generation,
    nc.metadata.annotations?.[EC2NodeClassHashAnnotation],
    (s?.amis ?? []).map((a) => a.id),
    (s?.subnets ?? []).map((x) => x.id),
    (s?.securityGroups ?? []).map((g) => g.id),
    (s?.capacityReservations ?? []).map((r) => r.id),
    s?.conditions?.find((c) => c.type === ConditionReady)?.status,
  ]);
}

export class DriftChecks {
  private readonly answers = new Map<string, Answer>();

  constructor(
    private readonly deps: DriftCheckDeps,
    private readonly settings: DisruptionSettings,
  ) {}

  /** Asks what is due (a bounded number per pass) and returns the confirmed drift of every live claim. */
  async refresh(claims: readonly NodeClaim[]): Promise<Map<string, DriftReason>> {
    const now = this.deps.clock.now();
    const period = this.settings.pollingPeriodMs;
    const fingerprints = new Map<string, string>();
    const fingerprintOf = (c: NodeClaim) => {
      const ref = c.spec.nodeClassRef.name;
      let f = fingerprints.get(ref);
      if (f === undefined) fingerprints.set(ref, (f = nodeClassFingerprint(this.deps.state.nodeClasses.get(ref))));
      return f;
    };
    const live = new Set<string>();
    const due: { claim: NodeClaim; rank: number; at: number }[] = [];
    for (const c of claims) {
      const name = c.metadata.name ?? "";
      if (isDeleting(c) || !isTrue(c.status?.conditions, ConditionInitialized)) continue;
      live.add(name);
      const a = this.answers.get(name);
      // Drifted answers first (to confirm or clear them), then node class changes, new claims, the TTL.
      if (!a || a.uid !== (c.metadata.uid ?? "")) due.push({ claim: c, rank: 2, at: 0 });
      else if (a.reason !== undefined) {
        if (now - a.at >= period) due.push({ claim: c, rank: 0, at: a.at });
      } else if (a.nodeClass !== fingerprintOf(c)) due.push({ claim: c, rank: 1, at: a.at });
      else if (now - a.at >= this.settings.driftCheckTTLMs) due.push({ claim: c, rank: 3, at: a.at });
    }
    for (const name of this.answers.keys()) if (!live.has(name)) this.answers.delete(name);
    due.sort((x, y) => x.rank - y.rank || x.at - y.at);
    const batch = due.slice(0, this.settings.driftChecksPerPass);
    for (let i = 0; i < batch.length; i += 8) {
      await Promise.all(
        batch.slice(i, i + 8).map(async ({ claim }) => {
          const nodeClass = fingerprintOf(claim);
          try {
            this.record(claim, await this.deps.cloudProvider.isDrifted(claim), nodeClass, now);
          } catch (err) {
            this.deps.logger.debug({ NodeClaim: { name: claim.metadata.name }, error: err instanceof Error ? err.message : String(err) }, "checking drift failed; keeping the last answer");
          }
        }),
      );
    }
    const out = new Map<string, DriftReason>();
    for (const [name, a] of this.answers) if (a.reason && a.confirmed && live.has(name)) out.set(name, a.reason);
    return out;
  }

  private record(claim: NodeClaim, reason: DriftReason | undefined, nodeClass: string, now: number): void {
    const name = claim.metadata.name ?? "";
    const uid = claim.metadata.uid ?? "";
    const prev = this.answers.get(name);
    const same = prev !== undefined && prev.uid === uid;
    if (reason === undefined) {
      if (same && prev.reason !== undefined) this.deps.logger.info({ NodeClaim: { name }, was: prev.reason }, "nodeclaim is no longer drifted");
      this.answers.set(name, { uid, at: now, confirmed: false, nodeClass });
      return;
    }
    const since = same && prev.since !== undefined ? prev.since : now;
    const confirmed = (same && prev.confirmed && prev.reason !== undefined) || now - since >= this.settings.pollingPeriodMs;
    if (confirmed && !(same && prev.confirmed)) this.deps.logger.info({ NodeClaim: { name }, reason }, "nodeclaim drifted (confirmed by a second look)");
    this.answers.set(name, { uid, at: now, reason, since, confirmed, nodeClass });
  }

  /** Forgets a claim's answer (after it was replaced, say). */
  forget(name: string): void {
    this.answers.delete(name);
  }
}
