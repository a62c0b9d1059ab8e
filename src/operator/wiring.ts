// Every controller the leader runs, in one place. A new controller is one line here: construct it
// from the shared deps (and anything of its own), and main.ts subscribes it to the cluster state
// and runs it while this process leads.
import type { AWSCloudProvider } from "../cloudprovider/aws/provider.js";
import { newDisruptionController, nodePoolAllowed } from "../controllers/disruption/index.js";
import { NodeClassController } from "../cloudprovider/aws/controllers/nodeclass/controller.js";
import type { ControllerDeps, ManagedController } from "../controllers/shared/deps.js";
import { newNodeClaimGarbageCollectionController } from "../controllers/nodeclaim/garbagecollection/controller.js";
import { newNodeClaimLifecycleController } from "../controllers/nodeclaim/lifecycle/controller.js";
import { newNodeTerminationController } from "../controllers/node/termination/controller.js";
import { NodePoolHashController } from "../controllers/nodepool/hashcontroller.js";
import { NodePoolStatusController } from "../controllers/nodepool/status.js";
import { Provisioner } from "../controllers/provisioning/index.js";
import { StaticNodePoolController } from "../controllers/static/controller.js";
import { NodeOverlayController, OverlaidCloudProvider } from "../controllers/overlay/controller.js";
import type { Config } from "./config.js";

export interface WiringDeps extends ControllerDeps {
  config: Config;
  /** The same object as cloudProvider, with the AWS-only parts (node class resolution). */
  aws: AWSCloudProvider;
}

/** The controllers, in the order they start. */
export function buildControllers(deps: WiringDeps): ManagedController[] {
  // NodeOverlay gate: provisioning and disruption price and size instance types through the overlays.
  const overlays = deps.config.featureGates.NodeOverlay ? new NodeOverlayController(deps) : undefined;
  const priced = overlays ? { ...deps, cloudProvider: new OverlaidCloudProvider(deps.cloudProvider, overlays) } : deps;
  return [
    ...(overlays ? [overlays] : []),
    new NodeClassController({ ...deps, resolver: deps.aws }),
    new NodePoolHashController(deps),
    new NodePoolStatusController(deps),
    newNodeClaimLifecycleController(deps),
    newNodeTerminationController(deps),
    newNodeClaimGarbageCollectionController(deps),
    // A NodePool in a scheduled sleep window launches nothing (the disruption engine's sleep method).
    new Provisioner({ ...priced, nodePoolAllowed }),
    newDisruptionController(priced),
    ...(deps.config.featureGates.StaticCapacity ? [new StaticNodePoolController(deps)] : []),
    // Not yet written: interruption (SQS).
  ];
}
