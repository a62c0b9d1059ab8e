// A launched or discovered instance as a NodeClaim: labels from its instance type and offering,
// status with provider ID, image, capacity and allocatable.
import type { Instance } from "@aws-sdk/client-ec2";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import * as L from "../../apis/labels.js";
import type { CapacityType } from "../../apis/labels.js";
import type { InstanceType } from "../types.js";
import { allocatable } from "./instancetype/capacity.js";
import { providerID } from "./instances.js";
import { fromEC2Tags } from "./launch/tags.js";
import { NODECLASS_HASH_VERSION } from "./nodeclass/hash.js";
import { toQuantities } from "../../core/resources.js";

export interface Launched {
  instanceID: string;
  zone: string;
  zoneID?: string | undefined;
  capacityType: CapacityType;
  imageID?: string | undefined;
  reservationID?: string | undefined;
  reservationType?: "default" | "capacity-block" | undefined;
  reservationInterruptible?: boolean | undefined;
  tenancy?: string | undefined;
  /** The placement group launched into, and (partition groups) the partition: "" while EC2 has not said. */
  placementGroupID?: string | undefined;
  placementPartition?: string | undefined;
  instanceType?: InstanceType | undefined;
  instanceTypeName: string;
}

/** Offering-level keys are set from the launch, not from the type (which lists every zone). */
const offeringKeys = new Set([
  L.ZoneLabel,
  L.ZoneIDLabel,
  L.CapacityTypeLabel,
  L.CapacityReservationIDLabel,
  L.CapacityReservationTypeLabel,
  L.CapacityReservationInterruptibleLabel,
  L.InstanceTenancyLabel,
  L.PlacementGroupIDLabel,
  L.PlacementGroupPartitionLabel,
]);

/** The single-valued labels of the type (arch, os, instance-type, instance-*). */
export function typeLabels(it: InstanceType): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of it.requirements) {
    if (offeringKeys.has(r.key) || r.operator !== "In" || r.values?.length !== 1) continue;
    out[r.key] = r.values[0]!;
  }
  return out;
}

export function launchedLabels(l: Launched): Record<string, string> {
  return {
    ...(l.instanceType ? typeLabels(l.instanceType) : { [L.InstanceTypeLabel]: l.instanceTypeName }),
    [L.ZoneLabel]: l.zone,
    ...(l.zoneID ? { [L.ZoneIDLabel]: l.zoneID } : {}),
    [L.CapacityTypeLabel]: l.capacityType,
    ...(l.reservationID ? { [L.CapacityReservationIDLabel]: l.reservationID } : {}),
    ...(l.reservationID && l.reservationType ? { [L.CapacityReservationTypeLabel]: l.reservationType } : {}),
    ...(l.reservationID && l.reservationInterruptible !== undefined ? { [L.CapacityReservationInterruptibleLabel]: String(l.reservationInterruptible) } : {}),
    ...(l.tenancy ? { [L.InstanceTenancyLabel]: l.tenancy } : {}),
    ...(l.placementGroupID ? { [L.PlacementGroupIDLabel]: l.placementGroupID } : {}),
    ...(l.placementGroupID && l.placementPartition !== undefined ? { [L.PlacementGroupPartitionLabel]: l.placementPartition } : {}),
  };
}

/** The claim, as launched: labels, hash annotations and status filled in. */
export function launchedNodeClaim(claim: NodeClaim, l: Launched, nodeClassHash: string): NodeClaim {
  const capacity = l.instanceType?.capacity;
  return {
    ...claim,
    metadata: {
      ...claim.metadata,
      labels: { ...(claim.metadata.labels ?? {}), ...launchedLabels(l), [L.EC2NodeClassLabel]: claim.spec.nodeClassRef.name },
      annotations: { ...(claim.metadata.annotations ?? {}), [L.EC2NodeClassHashAnnotation]: nodeClassHash, [L.EC2NodeClassHashVersionAnnotation]: NODECLASS_HASH_VERSION },
    },
    status: {
      ...(claim.status ?? {}),
      providerID: providerID(l.zone, l.instanceID),
      ...(l.imageID ? { imageID: l.imageID } : {}),
      ...(capacity ? { capacity: toQuantities(capacity), allocatable: toQuantities(allocatable(capacity, l.instanceType!.overhead)) } : {}),
    },
  };
}

/**
 * As Karpenter v1.14 reads an instance: reserved only when it runs in a reservation it was
 * launched to target (preference capacity-reservations-only). An instance that drifted into an
 * open reservation is on-demand, and one whose reservation ended (EC2 dropped the reservation or
 * the preference) is on-demand again, which is what the capacity type controller acts on.
 */
export function capacityTypeOf(i: Instance): CapacityType {
  if (i.InstanceLifecycle === "spot" || i.SpotInstanceRequestId) return "spot";
  return i.CapacityReservationId && i.CapacityReservationSpecification?.CapacityReservationPreference === "capacity-reservations-only" ? "reserved" : "on-demand";
}

/** The reservation labels' facts of a reserved instance: its ID, and its kind from the instance lifecycle. */
export function reservationOf(i: Instance): Pick<Launched, "reservationID" | "reservationType" | "reservationInterruptible"> {
  if (capacityTypeOf(i) !== "reserved") return {};
  return {
    reservationID: i.CapacityReservationId,
    reservationType: i.InstanceLifecycle === "capacity-block" ? "capacity-block" : "default",
    reservationInterruptible: i.InstanceLifecycle === "interruptible-capacity-reservation",
  };
}

/**
 * The placement group an instance runs in, and its partition: EC2 numbers partitions from 1 and
 * reports 0 or nothing outside a partition group (as Karpenter, those are no partition).
 */
export function placementOf(i: Instance): Pick<Launched, "placementGroupID" | "placementPartition"> {
  const group = i.Placement?.GroupId;
  if (!group) return {};
  const n = i.Placement?.PartitionNumber;
  return { placementGroupID: group, ...(n !== undefined && n > 0 ? { placementPartition: String(n) } : {}) };
}

/** A claim for an instance found in EC2 (get, list): what the cloud knows of it. */
export function instanceNodeClaim(i: Instance, it: InstanceType | undefined, zoneID?: string): NodeClaim {
  const tags = fromEC2Tags(i.Tags);
  const zone = i.Placement?.AvailabilityZone ?? "";
  const l: Launched = {
    instanceID: i.InstanceId ?? "",
    zone,
    zoneID,
    capacityType: capacityTypeOf(i),
    imageID: i.ImageId,
    ...reservationOf(i),
    tenancy: i.Placement?.Tenancy,
    ...placementOf(i),
    instanceType: it,
    instanceTypeName: i.InstanceType ?? "",
  };
  const labels = { ...launchedLabels(l), ...(tags[L.NodePoolTag] ? { [L.NodePoolLabel]: tags[L.NodePoolTag] } : {}), ...(tags[L.EC2NodeClassTag] ? { [L.EC2NodeClassLabel]: tags[L.EC2NodeClassTag] } : {}) };
  const gone = i.State?.Name === "shutting-down" || i.State?.Name === "terminated";
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      ...(tags[L.NodeClaimTag] ? { name: tags[L.NodeClaimTag] } : {}),
      labels,
      ...(i.LaunchTime ? { creationTimestamp: i.LaunchTime.toISOString() } : {}),
      // An instance on its way out is a claim being deleted, so GC and termination treat it alike.
      ...(gone ? { deletionTimestamp: new Date().toISOString() } : {}),
    },
    spec: {
      requirements: Object.entries(labels).map(([key, v]) => ({ key, operator: "In" as const, values: [v] })),
      nodeClassRef: { group: L.AWSGroup, kind: "EC2NodeClass", name: tags[L.EC2NodeClassTag] ?? "" },
      expireAfter: "720h",
    },
    status: {
      providerID: providerID(zone, i.InstanceId ?? ""),
      ...(i.ImageId ? { imageID: i.ImageId } : {}),
      ...(it ? { capacity: toQuantities(it.capacity), allocatable: toQuantities(allocatable(it.capacity, it.overhead)) } : {}),
    },
  };
}
