// nodeclaim.tagging: once a NodeClaim's node has registered, its instance is tagged with Name = the
// node's name (and karpenter.sh/nodeclaim, eks:eks-cluster-name), and the claim is annotated
// karpenter.k8s.aws/tagged so it is done once — Karpenter's tagging controller, tag for tag.
import { ClusterNameTaggedAnnotation, InstanceTaggedAnnotation } from "../../../../apis/labels.js";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { controllerLogger } from "../../../../operator/logging.js";
import type { ClusterState } from "../../../../state/cluster.js";
import { isDeleting } from "../../../../state/predicates.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../../../controllers/runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../../../../controllers/shared/deps.js";
import { NodeClaims, patchMetadata } from "../../../../controllers/shared/kube.js";

export interface InstanceTagger {
  tagRegistered(claim: NodeClaim): Promise<boolean>;
}

export interface TaggingControllerDeps extends ControllerDeps {
  tagger: InstanceTagger;
}

/** Whether the claim still needs tagging: its node known, not yet tagged, not going away. */
export function isTaggable(c: NodeClaim): boolean {
  const a = c.metadata.annotations ?? {};
  if (a[InstanceTaggedAnnotation] === "true" && a[ClusterNameTaggedAnnotation] === "true") return false;
  return !!c.status?.nodeName && !!c.status.providerID && !isDeleting(c);
}

export class TaggingController implements Reconciler, ManagedController {
  readonly name = "nodeclaim.tagging";
  readonly controller: Controller;

  constructor(private readonly deps: TaggingControllerDeps) {
    this.controller = new Controller(this, { clock: deps.clock, logger: controllerLogger(deps.logger, this.name), concurrency: 2 });
  }

  watch(state: ClusterState): void {
    state.nodeClaims.on((event, c) => {
      if (event !== "delete" && isTaggable(c)) this.controller.enqueue(c.metadata.name ?? "");
    });
    for (const c of state.nodeClaims.list()) if (isTaggable(c)) this.controller.enqueue(c.metadata.name ?? "");
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const claim = this.deps.state.nodeClaims.get(name);
    if (!claim || !isTaggable(claim)) return undefined;
    if (!(await this.deps.tagger.tagRegistered(claim))) return undefined;
    await patchMetadata(this.deps.kube, NodeClaims, name, { annotations: { [InstanceTaggedAnnotation]: "true", [ClusterNameTaggedAnnotation]: "true" } });
    this.deps.logger.debug({ controller: this.name, NodeClaim: { name }, Node: { name: claim.status?.nodeName } }, "tagged instance");
    return undefined;
  }
}
