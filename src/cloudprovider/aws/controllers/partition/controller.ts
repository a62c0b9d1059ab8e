// placementgroup.partition: fills the placement group partition label of NodeClaims (and their
// registered Nodes) launched into a partition group where EC2 chose the partition, from the
// instance's Placement.PartitionNumber in DescribeInstances. Karpenter v1.14 does this in a
// registration hook; here it runs beside the lifecycle: a claim is looked at as soon as it is
// launched, and again every few seconds while EC2 has not said.
import { PlacementGroupPartitionLabel } from "../../../../apis/labels.js";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { controllerLogger } from "../../../../operator/logging.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../../../controllers/runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../../../../controllers/shared/deps.js";
import { NodeClaims, patchMetadata, patchNode } from "../../../../controllers/shared/kube.js";
import { NodeClaimNotFoundError } from "../../../errors.js";
import { NodeRegisteredLabel } from "../../../../apis/labels.js";
import { awaitsPartition, partitionOf } from "./select.js";

const Name = "placementgroup.partition";

/** While some claim waits for EC2 to tell its partition, ask again this soon. */
export const PARTITION_RETRY_MS = 5_000;

class PartitionLabels implements Reconciler {
  readonly name = Name;
  constructor(private readonly deps: ControllerDeps) {}

  async reconcile(): Promise<ReconcileResult | undefined> {
    const { state, cloudProvider, kube, logger } = this.deps;
    if (!state.nodeClaims.synced || !state.nodes.synced) return { requeueAfterMs: 1000 };
    const waiting = state.nodeClaims.list().filter(awaitsPartition);
    if (waiting.length === 0) return undefined;
    let pending = false;
    const errors: unknown[] = [];
    // Each lookup is its own DescribeInstances request, batched by the provider into one call.
    const found = await Promise.all(waiting.map((c) => cloudProvider.get(c.status!.providerID!).catch((err: unknown) => err)));
    for (const [i, claim] of waiting.entries()) {
      const cloud = found[i];
      if (cloud instanceof NodeClaimNotFoundError) continue; // gone: garbage collection's business
      if (!isClaim(cloud)) {
        errors.push(cloud);
        continue;
      }
      const partition = partitionOf(cloud);
      if (!partition) {
        pending = true;
        continue;
      }
      const name = claim.metadata.name ?? "";
      try {
        await patchMetadata(kube, NodeClaims, name, { labels: { [PlacementGroupPartitionLabel]: partition } });
        const node = state.nodeByProviderID(claim.status?.providerID ?? "");
        if (node?.metadata?.name && !node.metadata.deletionTimestamp && node.metadata.labels?.[NodeRegisteredLabel] === "true") {
          await patchNode(kube, node.metadata.name, { metadata: { labels: { [PlacementGroupPartitionLabel]: partition } } });
        }
        logger.info({ controller: Name, NodeClaim: { name }, partition }, "placement group partition known: labelled");
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${Name}: ${errors.length} failure(s); first: ${String(errors[0])}`);
    return pending ? { requeueAfterMs: PARTITION_RETRY_MS } : undefined;
  }
}

const isClaim = (x: unknown): x is NodeClaim => typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "NodeClaim";

export function newPartitionLabelController(deps: ControllerDeps): ManagedController {
  const reconciler = new PartitionLabels(deps);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, Name) });
  return {
    name: Name,
    controller,
    watch: (state) => {
      state.nodeClaims.on((event, claim) => {
        if (event !== "delete" && awaitsPartition(claim)) controller.enqueue(Name);
      });
      controller.enqueue(Name);
    },
    run: (signal) => controller.run(signal),
  };
}
