import type { CapacityType } from "../apis/labels.js";
import type { EC2NodeClass } from "../apis/ec2nodeclass.js";
import type { NodeClaim } from "../apis/nodeclaim.js";
import type { NodePool } from "../apis/nodepool.js";
import type { ResourceList, RequirementSpec } from "../core/types.js";

export type { ResourceList, RequirementSpec } from "../core/types.js";

/** Where and how an instance type can be bought, and at what price. */
export interface Offering {
  zone: string;
  capacityType: CapacityType;
  /** USD per hour. */
  price: number;
  available: boolean;
  /** Set for reserved offerings (on-demand capacity reservations). */
  reservationID?: string;
  /** Instances still free in the reservation. */
  reservationCapacity?: number;
  /** Reserved offerings: "default" (on-demand capacity reservation) or "capacity-block". */
  reservationType?: "default" | "capacity-block";
  /** Reserved offerings: whether EC2 may reclaim the reservation (an interruptible reservation). */
  reservationInterruptible?: boolean;
}

/** What the node takes for itself before pods get anything. Allocatable = capacity − all of these. */
export interface InstanceTypeOverhead {
  kubeReserved: ResourceList;
  systemReserved: ResourceList;
  evictionThreshold: ResourceList;
}

export interface InstanceType {
  name: string;
  /**
   * The labels a node of this type carries, as requirements: arch, os, instance-type and the
   * karpenter.k8s.aws/instance-* labels (each `In` one value, except os which may list several),
   * plus zone and capacity type `In` the values its offerings cover.
   */
  requirements: RequirementSpec[];
  offerings: Offering[];
  /** What the node reports as capacity (memory already less the VM overhead). */
  capacity: ResourceList;
  overhead: InstanceTypeOverhead;
  /** Set by applyOverlays when a NodeOverlay changed an offering's price. */
  priceOverlaid?: boolean;
  /** Set by applyOverlays when a NodeOverlay changed capacity. */
  capacityOverlaid?: boolean;
}

/** Why a NodeClaim no longer matches what its NodePool or node class would launch now. */
/** Karpenter's spellings: core's NodePoolDrifted, RequirementsDrifted and InstanceTypeNotFound; the AWS provider's NodeClassDrift and *Drift. */
export type DriftReason = "NodePoolDrifted" | "NodeClassDrift" | "AMIDrift" | "SubnetDrift" | "SecurityGroupDrift" | "RequirementsDrifted" | "CapacityReservationDrift" | "PlacementGroupDrift" | "InstanceTypeNotFound";

/**
 * The one seam between tenon and a cloud. Controllers only ever talk to the cloud through this,
 * so the AWS implementation and the in-memory fake are interchangeable.
 */
export interface CloudProvider {
  readonly name: string;
  /**
   * Launches an instance for the claim, or finds the one already launched for it (idempotent),
   * and returns the claim with status (providerID, imageID, capacity, allocatable) and labels
   * (instance type, zone, capacity type …) filled in.
   */
  create(nodeClaim: NodeClaim): Promise<NodeClaim>;
  /** Terminates the claim's instance. Throws NodeClaimNotFoundError once it is gone. */
  delete(nodeClaim: NodeClaim): Promise<void>;
  /** The claim as the cloud sees it, by provider ID. Throws NodeClaimNotFoundError if gone. */
  get(providerID: string): Promise<NodeClaim>;
  /** Every instance this cluster's tenon launched, as claims (for garbage collection). */
  list(): Promise<NodeClaim[]>;
  /** Instance types and their current offerings for a NodePool (through its node class). */
  getInstanceTypes(nodePool: NodePool): Promise<InstanceType[]>;
  /** Why the claim drifted from its node class, if it did. */
  isDrifted(nodeClaim: NodeClaim): Promise<DriftReason | undefined>;
  /** The node class kinds this provider reads, for NodePool validation. */
  getSupportedNodeClasses(): { group: string; kind: string }[];
}

/** Resolved node class for callers that need it without a NodePool (e.g. status controllers). */
export type NodeClass = EC2NodeClass;

/**
 * What a registration hook says of a claim whose node has appeared: done (with labels the claim
 * must carry before its node is registered, so the node gets them in the same label sync), or not
 * yet, to be asked again after `requeueAfterMs` (or the lifecycle's backoff when it gives none).
 */
export type RegistrationHookResult = { done: true; labels?: Record<string, string> } | { done: false; requeueAfterMs?: number };

/**
 * A provider's gate on node registration (Karpenter's NodeLifecycleHook): until every hook is done
 * the claim stays Registered=Unknown (RegistrationHookPending, the pending hooks' names as the
 * message) and its node keeps the karpenter.sh/unregistered taint. A hook that throws counts as
 * pending, and its error is the reconcile's.
 */
export interface RegistrationHook {
  /** Shown in the claim's Registered condition while the hook is pending. */
  readonly name: string;
  registered(nodeClaim: NodeClaim): Promise<RegistrationHookResult>;
}
