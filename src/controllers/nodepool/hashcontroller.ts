// nodepool.hash: keeps karpenter.sh/nodepool-hash and -hash-version on every NodePool current, as
// Karpenter's hash controller does, so users and the drift check can see the template's hash.
// When the pool carries another hash version (stamped by Karpenter or an older tenon), the hashes
// on its NodeClaims were computed another way: they are re-stamped with the current hash (unless
// already drifted) so that a changed hash algorithm never reads as drift.
import { ConditionDrifted, NodePoolHashAnnotation, NodePoolHashVersionAnnotation, NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import { controllerLogger } from "../../operator/logging.js";
import type { ClusterState } from "../../state/cluster.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import { isTrue } from "../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { NODEPOOL_HASH_VERSION, nodePoolHash } from "../../apis/nodepoolhash.js";
import { NodeClaims, NodePools, patchMetadata } from "../shared/kube.js";
import { isDeleting } from "../../state/predicates.js";


export class NodePoolHashController implements Reconciler, ManagedController {
  readonly name = "nodepool.hash";
  readonly controller: Controller;

  constructor(private readonly deps: ControllerDeps) {
    this.controller = new Controller(this, { clock: deps.clock, logger: controllerLogger(deps.logger, this.name), concurrency: 2 });
  }

  watch(state: ClusterState): void {
    state.nodePools.on((event, np) => {
      if (event !== "delete") this.controller.enqueue(np.metadata.name ?? "");
    });
    for (const np of state.nodePools.list()) this.controller.enqueue(np.metadata.name ?? "");
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const { state, kube } = this.deps;
    const pool = state.nodePools.get(name);
    if (!pool || isDeleting(pool)) return undefined;
    const hash = nodePoolHash(pool);
    const annotations = pool.metadata.annotations ?? {};
    if (annotations[NodePoolHashVersionAnnotation] !== NODEPOOL_HASH_VERSION) await this.restampClaims(pool, hash);
    if (annotations[NodePoolHashAnnotation] !== hash || annotations[NodePoolHashVersionAnnotation] !== NODEPOOL_HASH_VERSION) {
      await patchMetadata(kube, NodePools, name, { annotations: { [NodePoolHashAnnotation]: hash, [NodePoolHashVersionAnnotation]: NODEPOOL_HASH_VERSION } });
      this.deps.logger.debug({ controller: this.name, NodePool: { name }, hash }, "stamped nodepool hash");
    }
    return undefined;
  }

  private async restampClaims(pool: NodePool, hash: string): Promise<void> {
    const claims = this.deps.state.nodeClaims.list().filter((c) => c.metadata.labels?.[NodePoolLabel] === pool.metadata.name);
    const errors: unknown[] = [];
    await Promise.all(
      claims.map(async (c: NodeClaim) => {
        const a = c.metadata.annotations ?? {};
        if (a[NodePoolHashVersionAnnotation] === NODEPOOL_HASH_VERSION) return;
        const patch: Record<string, string> = { [NodePoolHashVersionAnnotation]: NODEPOOL_HASH_VERSION };
        // A claim already found drifted stays drifted: its old hash cannot be compared any more.
        if (!isTrue(c.status?.conditions, ConditionDrifted)) patch[NodePoolHashAnnotation] = hash;
        try {
          await patchMetadata(this.deps.kube, NodeClaims, c.metadata.name ?? "", { annotations: patch });
        } catch (err) {
          errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }
}
