// The disruption core's input from what the cluster state holds, plus what only the cloud provider
// knows: the instance types each NodePool can launch, and whether each NodeClaim's instance has
// drifted from its node class (driftchecks.ts: when to ask, and when an answer can be trusted).
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { placeVirtualPods, withVirtualPods } from "../buffer/placement.js";
import { NodePoolLabel } from "../../apis/labels.js";
import type { InstanceType } from "../../cloudprovider/types.js";
import type { DisruptionInput } from "../../disruption/index.js";
import type { ClusterState } from "../../state/cluster.js";
import type { Clock } from "../runtime/clock.js";
import type { CloudProvider } from "../../cloudprovider/types.js";
import { isManagedClaim } from "../shared/objects.js";
import { DriftChecks } from "./driftchecks.js";
import type { DisruptionSettings } from "./settings.js";

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
  private readonly drift: DriftChecks;
  /** The pools last held back for unreadable claims, to log each change once. */
  private partialKey = "";

  constructor(
    private readonly deps: { state: ClusterState; cloudProvider: CloudProvider; clock: Clock; logger: Logger; buffers?: { virtualPods(): V1Pod[] } },
    settings: DisruptionSettings,
  ) {
    this.drift = new DriftChecks(deps, settings);
  }

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
    // A buffer's room, as pods on the nodes that have it (or pending): emptiness and consolidation keep it.
    const virtual = this.deps.buffers?.virtualPods() ?? [];
    const nodes = state.nodes.list();
    const placed = placeVirtualPods(virtual, { nodes, nodeClaims: state.nodeClaims.list(), daemonSets: state.daemonSets.list(), nodePools, instanceTypes, index: state.index, now: this.deps.clock.now() });
    return {
      nodePools,
      nodeClaims,
      nodes,
      pods: virtual.length > 0 ? [...state.pods.list(), ...placed.bound, ...placed.pending] : state.pods.list(),
      index: withVirtualPods(state.index, placed),
      pdbs: state.pdbs.list(),
      daemonSets: state.daemonSets.list(),
      volumes: { claims: state.claims.list(), volumes: state.volumes.list(), storageClasses: state.storageClasses.list() },
      instanceTypes,
      cloudDrift: await this.drift.refresh(nodeClaims),
      inProgress,
    };
  }

  /** Forgets a claim's drift answer (after it was replaced, say). */
  forget(name: string): void {
    this.drift.forget(name);
  }
}
