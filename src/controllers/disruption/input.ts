// The disruption core's input from what the cluster state holds, plus what only the cloud provider
// knows: the instance types each NodePool can launch, and whether each NodeClaim's instance has
// drifted from its node class (asked at most every few minutes per claim, a bounded number per pass).
import type { Logger } from "pino";
import { ConditionLaunched, NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { DriftReason, InstanceType } from "../../cloudprovider/types.js";
import type { DisruptionInput } from "../../disruption/index.js";
import type { ClusterState } from "../../state/cluster.js";
import type { Clock } from "../runtime/clock.js";
import type { CloudProvider } from "../../cloudprovider/types.js";
import { isDeleting, isManagedClaim } from "../nodeclaim/objects.js";
import { isTrue } from "../nodeclaim/conditions.js";
import type { DisruptionSettings } from "./settings.js";

interface DriftAnswer {
  uid: string;
  at: number;
  reason?: DriftReason;
}

/** The NodePools (by their `karpenter.sh/nodepool` label) of NodeClaims that fail tenon's schema. */
export function poolsWithUnreadableClaims(state: ClusterState): Set<string> {
  const out = new Set<string>();
  for (const r of state.nodeClaims.rejected()) {
    const pool = (r.raw.metadata as { labels?: Record<string, unknown> } | undefined)?.labels?.[NodePoolLabel];
    if (typeof pool === "string") out.add(pool);
  }
  return out;
}

export class InputBuilder {
  private readonly drift = new Map<string, DriftAnswer>();
  /** The pools last held back for unreadable claims, to log each change once. */
  private partialKey = "";

  constructor(
    private readonly deps: { state: ClusterState; cloudProvider: CloudProvider; clock: Clock; logger: Logger },
    private readonly settings: DisruptionSettings,
  ) {}

  async build(inProgress: ReadonlySet<string>): Promise<DisruptionInput> {
    const { state } = this.deps;
    // A NodeClaim tenon cannot read still holds a node and counts against its pool's budget: no
    // decision is made for that pool from a view that lacks it (its nodes are left alone).
    const partial = poolsWithUnreadableClaims(state);
    const key = [...partial].sort().join(",");
    if (key !== this.partialKey) {
      for (const name of partial) this.deps.logger.warn({ NodePool: { name } }, "not disrupting nodes of this nodepool while one of its NodeClaims cannot be read (see its NodeClaimValidationFailed event)");
      this.partialKey = key;
    }
    const nodePools = state.nodePools.list().filter((np) => !partial.has(np.metadata.name ?? ""));
    const instanceTypes = new Map<string, InstanceType[]>();
    await Promise.all(
      nodePools.map(async (np) => {
        const name = np.metadata.name ?? "";
        try {
          instanceTypes.set(name, await this.deps.cloudProvider.getInstanceTypes(np));
        } catch (err) {
          // Its nodes stay (no type, no candidate); the other pools go on.
          this.deps.logger.error({ NodePool: { name }, error: err instanceof Error ? err.message : String(err) }, "failed listing instance types for nodepool");
          instanceTypes.set(name, []);
        }
      }),
    );
    const nodeClaims = state.nodeClaims.list().filter((c) => isManagedClaim(c, this.deps.cloudProvider));
    return {
      nodePools,
      nodeClaims,
      nodes: state.nodes.list(),
      pods: state.pods.list(),
      pdbs: state.pdbs.list(),
      daemonSets: state.daemonSets.list(),
      volumes: { claims: state.claims.list(), volumes: state.volumes.list(), storageClasses: state.storageClasses.list() },
      instanceTypes,
      cloudDrift: await this.cloudDrift(nodeClaims),
      inProgress,
    };
  }

  /** The cloud provider's drift answers, refreshed when older than the TTL. */
  private async cloudDrift(claims: readonly NodeClaim[]): Promise<Map<string, DriftReason>> {
    const now = this.deps.clock.now();
    const live = new Set<string>();
    const due: NodeClaim[] = [];
    for (const c of claims) {
      const name = c.metadata.name ?? "";
      if (isDeleting(c) || !isTrue(c.status?.conditions, ConditionLaunched)) continue;
      live.add(name);
      const a = this.drift.get(name);
      if (!a || a.uid !== (c.metadata.uid ?? "") || now - a.at >= this.settings.driftCheckTTLMs) due.push(c);
    }
    for (const name of this.drift.keys()) if (!live.has(name)) this.drift.delete(name);
    const batch = due.slice(0, this.settings.driftChecksPerPass);
    for (let i = 0; i < batch.length; i += 8) {
      await Promise.all(
        batch.slice(i, i + 8).map(async (c) => {
          const name = c.metadata.name ?? "";
          try {
            const reason = await this.deps.cloudProvider.isDrifted(c);
            this.drift.set(name, { uid: c.metadata.uid ?? "", at: now, ...(reason ? { reason } : {}) });
          } catch (err) {
            this.deps.logger.debug({ NodeClaim: { name }, error: err instanceof Error ? err.message : String(err) }, "checking drift failed; keeping the last answer");
          }
        }),
      );
    }
    const out = new Map<string, DriftReason>();
    for (const [name, a] of this.drift) if (a.reason && live.has(name)) out.set(name, a.reason);
    return out;
  }

  /** Forgets a claim's drift answer (after it was replaced, say). */
  forget(name: string): void {
    this.drift.delete(name);
  }
}
