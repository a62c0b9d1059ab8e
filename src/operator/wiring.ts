// Every controller the leader runs, in one place. A new controller is one line here: construct it
// from the shared deps (and anything of its own), and main.ts subscribes it to the cluster state
// and runs it while this process leads.
import type { AWSCloudProvider } from "../cloudprovider/aws/provider.js";
import { newDisruptionController, nodePoolAllowed } from "../controllers/disruption/index.js";
import { type InstanceStatusSource, newInstanceStatusController, newInterruptionController, type MessageQueue } from "../controllers/interruption/index.js";
import { newRepairController } from "../controllers/repair/controller.js";
import { awsRepairPolicies } from "../cloudprovider/aws/repairpolicies.js";
import { NodeClassController } from "../cloudprovider/aws/controllers/nodeclass/controller.js";
import { TaggingController } from "../cloudprovider/aws/controllers/tagging/controller.js";
import { newCapacityTypeController } from "../cloudprovider/aws/controllers/capacitytype/controller.js";
import { newReservationExpirationController } from "../cloudprovider/aws/controllers/expiration/controller.js";
import { placementGroupRegistrationHook } from "../cloudprovider/aws/registration/placementgroup.js";
import type { ControllerDeps, ManagedController } from "../controllers/shared/deps.js";
import { newNodeClaimGarbageCollectionController } from "../controllers/nodeclaim/garbagecollection/controller.js";
import { newNodeClaimLifecycleController } from "../controllers/nodeclaim/lifecycle/controller.js";
import { newNodeTerminationController } from "../controllers/node/termination/controller.js";
import { NodePoolHashController } from "../controllers/nodepool/hashcontroller.js";
import { NodePoolStatusController } from "../controllers/nodepool/status.js";
import { RegistrationOutcomes } from "../controllers/nodepool/registrationoutcomes.js";
import { newNodeClaimConsistencyController } from "../controllers/nodeclaim/consistency/controller.js";
import { Provisioner } from "../controllers/provisioning/index.js";
import { measuredCloudProvider } from "../controllers/metrics/cloudprovider.js";
import { StaticNodePoolController } from "../controllers/static/controller.js";
import { NodeOverlayController, OverlaidCloudProvider } from "../controllers/overlay/controller.js";
import { CapacityBufferController } from "../controllers/buffer/controller.js";
import { newStatusConditionControllers } from "../controllers/metrics/status.js";
import type { Config } from "./config.js";
import { metrics as processMetrics } from "./metrics.js";

export interface WiringDeps extends ControllerDeps {
  config: Config;
  /** The same object as cloudProvider, with the AWS-only parts (node class resolution). */
  aws: AWSCloudProvider;
  /** The SQS queue of interruption events (INTERRUPTION_QUEUE); no interruption controller without it. */
  interruptionQueue?: MessageQueue;
  /** EC2's instance status checks (DescribeInstanceStatus); polled with or without a queue, as Karpenter v1.14 does. */
  instanceStatuses?: InstanceStatusSource;
}

/** The controllers, in the order they start. */
export function buildControllers(deps: WiringDeps): ManagedController[] {
  // Each controller's cloud provider calls are timed and counted under its name, as Karpenter's are.
  const as = (controller: string) => ({ ...deps, cloudProvider: measuredCloudProvider(deps.cloudProvider, controller, deps.metrics ?? processMetrics) });
  // NodeOverlay gate: provisioning and disruption price and size instance types through the overlays.
  const overlays = deps.config.featureGates.NodeOverlay ? new NodeOverlayController(deps) : undefined;
  // …and launches follow the same prices, so CreateFleet does not undo the solver's choice.
  if (overlays) deps.aws.useOverlays((pool, types) => overlays.overlaid(pool, types));
  const priced = (controller: string) => {
    const measured = as(controller);
    return overlays ? { ...measured, cloudProvider: new OverlaidCloudProvider(measured.cloudProvider, overlays) } : measured;
  };
  // CapacityBuffer gate: buffers' virtual pods are planned for by the provisioner and kept by disruption.
  const trigger = { provisioner: undefined as Provisioner | undefined };
  const buffers = deps.config.featureGates.CapacityBuffer ? new CapacityBufferController({ ...deps, onChange: () => trigger.provisioner?.trigger() }) : undefined;
  const provisioner = (trigger.provisioner = new Provisioner({ ...priced("provisioner"), nodePoolAllowed, ...(buffers ? { buffers } : {}) }));
  // NodeRegistrationHealthy: the lifecycle records outcomes, nodepool.status resets them on spec changes.
  const registration = new RegistrationOutcomes(deps.kube, deps.clock);
  // A node in a partition group where EC2 chose the partition registers once the claim carries it.
  const lifecycle = as("nodeclaim.lifecycle");
  return [
    ...(overlays ? [overlays] : []),
    ...(buffers ? [buffers] : []),
    new NodeClassController({ ...deps, resolver: deps.aws }),
    new NodePoolHashController(deps),
    new NodePoolStatusController(as("nodepool.status"), registration.health),
    newNodeClaimLifecycleController(lifecycle, { registrationOutcomes: registration, registrationHooks: [placementGroupRegistrationHook((id) => lifecycle.cloudProvider.get(id))] }),
    newNodeClaimConsistencyController(as("nodeclaim.consistency")),
    newNodeTerminationController(as("node.termination")),
    newNodeClaimGarbageCollectionController(as("nodeclaim.garbagecollection")),
    // A registered node's instance gets Name = the node's name (Karpenter's tagging controller).
    new TaggingController({ ...deps, tagger: deps.aws }),
    // Reserved nodes whose reservation ended become on-demand (Karpenter's capacitytype controller).
    newCapacityTypeController(as("capacityreservation.capacitytype")),
    // Claims in a capacity block about to be reclaimed are deleted (Karpenter's expiration controller).
    newReservationExpirationController({ ...as("capacityreservation.expiration"), reservations: deps.aws }),
    // A NodePool in a scheduled sleep window launches nothing (the disruption engine's sleep method).
    provisioner,
    newDisruptionController({ ...priced("disruption"), ...(buffers ? { buffers } : {}) }),
    // Spot interruptions, scheduled changes, stops and terminations from EventBridge via SQS.
    ...(deps.interruptionQueue ? [newInterruptionController({ ...as("interruption"), queue: deps.interruptionQueue, offerings: deps.aws.unavailableOfferings })] : []),
    ...(deps.instanceStatuses ? [newInstanceStatusController({ ...as("interruption.instancestatus"), statuses: deps.instanceStatuses })] : []),
    // Unhealthy nodes replaced after their condition's toleration (NodeRepair, off by default as in Karpenter).
    ...(deps.config.featureGates.NodeRepair ? [newRepairController({ ...as("repair"), policies: awsRepairPolicies })] : []),
    ...(deps.config.featureGates.StaticCapacity ? [new StaticNodePoolController(as("static"))] : []),
    // operatorpkg's status-condition and termination metrics for NodeClaims, NodePools, Nodes and EC2NodeClasses.
    ...newStatusConditionControllers(deps),
  ];
}
