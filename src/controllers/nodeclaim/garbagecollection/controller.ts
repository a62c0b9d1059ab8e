// Garbage collection between the cloud and the cluster, every couple of minutes: instances no
// NodeClaim accounts for are terminated (with their Node, if one registered), and NodeClaims whose
// instance is gone are deleted (their finalization deletes the Node). Together with the lifecycle
// controller's tag-based launch idempotency, this is what keeps a crash at any point from leaking.
import type { Logger } from "pino";
import { CapacityTypeLabel, NodePoolLabel } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { NodeClaimNotFoundError } from "../../../cloudprovider/errors.js";
import { controllerLogger } from "../../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../../operator/metrics.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../../shared/deps.js";
import { deleteNode, deleteNodeClaim } from "../../shared/kube.js";
import { isManagedClaim, nodeReadyStatus } from "../../shared/objects.js";
import { claimsWithoutInstances, defaultMinInstanceAgeMs, orphanedInstances } from "./select.js";

export const GarbageCollectionName = "nodeclaim.garbagecollection";
const singletonKey = GarbageCollectionName;

export interface GarbageCollectionOptions {
  /** Between passes. Karpenter: 2 min. */
  intervalMs?: number;
  /** Instances younger than this are left alone. Karpenter: 30 s. */
  minInstanceAgeMs?: number;
}

export class GarbageCollection implements Reconciler {
  readonly name = GarbageCollectionName;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly intervalMs: number;
  private readonly minInstanceAgeMs: number;

  constructor(
    private readonly deps: ControllerDeps,
    opts: GarbageCollectionOptions = {},
  ) {
    this.log = controllerLogger(deps.logger, this.name);
    this.metrics = deps.metrics ?? defaultMetrics;
    this.intervalMs = opts.intervalMs ?? 2 * 60_000;
    this.minInstanceAgeMs = opts.minInstanceAgeMs ?? defaultMinInstanceAgeMs;
  }

  async reconcile(): Promise<ReconcileResult> {
    const { state, cloudProvider } = this.deps;
    // An unsynced cache would make every instance look orphaned.
    if (!state.nodeClaims.synced || !state.nodes.synced) return { requeueAfterMs: 1000 };
    // The cloud first, then the cluster: a claim written while listing is then seen, never the reverse.
    const instances = await cloudProvider.list();
    const all = state.nodeClaims.list();
    // Every claim accounts for instances (whoever launched it); only our own can lose theirs.
    const claims = all.filter((c) => isManagedClaim(c, cloudProvider));
    const errors: unknown[] = [];

    const unreadable = state.nodeClaims.rejected().map((r) => ({ name: r.name, providerID: providerIDOf(r.raw) }));
    for (const instance of orphanedInstances(instances, all, this.deps.clock.now(), this.minInstanceAgeMs, unreadable)) {
      try {
        await this.collectInstance(instance);
      } catch (err) {
        errors.push(err);
      }
    }
    for (const claim of claimsWithoutInstances(claims, instances)) {
      try {
        await this.collectClaim(claim);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `garbage collection: ${errors.length} failure(s); first: ${String(errors[0])}`);
    return { requeueAfterMs: this.intervalMs };
  }

  private async collectInstance(instance: NodeClaim): Promise<void> {
    const providerID = instance.status!.providerID!;
    try {
      await this.deps.cloudProvider.delete(instance);
    } catch (err) {
      if (!(err instanceof NodeClaimNotFoundError)) throw err;
      return;
    }
    this.log.info({ "provider-id": providerID, NodeClaim: { name: instance.metadata.name ?? "" } }, "garbage collected cloudprovider instance");
    // Delete its node right away too, so nothing more is scheduled onto a machine that is going.
    const node = this.deps.state.nodeByProviderID(providerID);
    if (node && (await deleteNode(this.deps.kube, node))) {
      this.log.info({ "provider-id": providerID, Node: { name: node.metadata?.name } }, "garbage collected node");
    }
  }

  private async collectClaim(claim: NodeClaim): Promise<void> {
    const providerID = claim.status!.providerID!;
    try {
      await this.deps.cloudProvider.get(providerID);
      return; // only missing from the (eventually consistent) list
    } catch (err) {
      if (!(err instanceof NodeClaimNotFoundError)) throw err;
    }
    // A Ready node means a kubelet still heartbeats from it, whatever the cloud says.
    const node = this.deps.state.nodeByProviderID(providerID);
    if (node && nodeReadyStatus(node) === "True") return;
    if (!(await deleteNodeClaim(this.deps.kube, claim))) return;
    this.metrics.nodeClaimsDisrupted.inc({ reason: "garbage_collected", nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
    this.log.info(
      { NodeClaim: { name: claim.metadata.name }, "provider-id": providerID, nodepool: claim.metadata.labels?.[NodePoolLabel] },
      "garbage collecting nodeclaim with no cloudprovider representation",
    );
  }
}

/** The provider ID of a NodeClaim read leniently (it failed the schema, maybe elsewhere). */
function providerIDOf(raw: Record<string, unknown>): string | undefined {
  const id = (raw.status as { providerID?: unknown } | undefined)?.providerID;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** The garbage collector: one singleton key, run at start and then every `intervalMs`. */
export function newNodeClaimGarbageCollectionController(deps: ControllerDeps, opts: GarbageCollectionOptions = {}): ManagedController {
  const reconciler = new GarbageCollection(deps, opts);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name) });
  return {
    name: reconciler.name,
    controller,
    watch() {
      controller.enqueue(singletonKey);
    },
    run: (signal) => controller.run(signal),
  };
}
