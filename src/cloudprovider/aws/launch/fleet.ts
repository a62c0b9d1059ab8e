// Launching through CreateFleet (type instant): one request lists every acceptable instance type ×
// subnet as an override and EC2 picks by the allocation strategy — price-capacity-optimized for
// spot (fewer interruptions), lowest-price for on-demand. Concurrent identical requests are merged
// into one with the capacities summed (as Karpenter does), saving API calls under bursts. When a
// NodeOverlay changed the prices the solver chose by, EC2's own price order would undo that choice,
// so (as Karpenter v1.14 does) the request switches to the prioritized strategies —
// capacity-optimized-prioritized for spot, prioritized for on-demand — with each override's priority
// its overlaid price (EC2 takes the lowest number first).
import { type _InstanceType, type CreateFleetCommandOutput, CreateFleetCommand, type CreateFleetRequest, type EC2Client } from "@aws-sdk/client-ec2";
import { createHash } from "node:crypto";
import type { CapacityType } from "../../../apis/labels.js";
import { Batcher } from "../batcher.js";
import { families } from "../../../operator/metrics-families.js";
import { toEC2Tags } from "./tags.js";

export interface FleetOverride {
  instanceType: string;
  subnetID: string;
  zone: string;
  /** The offering's price as tenon sees it (overlays applied); sent as Priority when prioritized. */
  price?: number;
}

export interface FleetRequest {
  capacityType: CapacityType;
  configs: { launchTemplateName: string; overrides: FleetOverride[] }[];
  /** Tags of the instance and its volumes. */
  tags: Record<string, string>;
  /** Idempotency token: a retried identical request returns the same instance instead of another. */
  clientToken: string;
  context?: string | undefined;
  /** The claim's prices come from a NodeOverlay: EC2 must follow them (prioritized strategies). */
  prioritized?: boolean;
  /** A reserved launch: the kind of reservation it targets decides the fleet's target capacity type. */
  reservation?: { type: "default" | "capacity-block"; interruptible: boolean } | undefined;
}

/**
 * The target capacity type EC2 fills the fleet from, as Karpenter v1.14 sets it: a capacity block
 * is "capacity-block", an interruptible reservation "reserved-capacity", any other reservation is
 * on-demand capacity (the launch template targets the reservation).
 */
export function targetCapacityType(r: Pick<FleetRequest, "capacityType" | "reservation">): "spot" | "on-demand" | "capacity-block" | "reserved-capacity" {
  if (r.capacityType === "spot") return "spot";
  if (r.capacityType !== "reserved" || !r.reservation) return "on-demand";
  if (r.reservation.type === "capacity-block") return "capacity-block";
  return r.reservation.interruptible ? "reserved-capacity" : "on-demand";
}

/** Spot, on-demand or reserved-capacity options for the target; a capacity block takes none. */
function targetOptions(r: FleetRequest, target: ReturnType<typeof targetCapacityType>): Pick<CreateFleetRequest, "SpotOptions" | "OnDemandOptions" | "ReservedCapacityOptions"> {
  switch (target) {
    case "spot":
      return { SpotOptions: { AllocationStrategy: r.prioritized ? "capacity-optimized-prioritized" : "price-capacity-optimized" } };
    case "on-demand":
      return { OnDemandOptions: { AllocationStrategy: r.prioritized ? "prioritized" : "lowest-price" } };
    case "reserved-capacity":
      return { ReservedCapacityOptions: { ReservationTypes: ["interruptible-capacity-reservation"] } };
    case "capacity-block":
      return {};
  }
}

export interface FleetError {
  code: string;
  message: string;
  instanceType?: string | undefined;
  zone?: string | undefined;
}

export interface FleetResult {
  instanceID?: string;
  instanceType?: string;
  zone?: string;
  /** What EC2 said about the overrides it could not fill. */
  errors: FleetError[];
}

export function createFleetInput(r: FleetRequest, count = 1): CreateFleetRequest {
  const tags = toEC2Tags(r.tags);
  const target = targetCapacityType(r);
  return {
    Type: "instant",
    ...(r.context ? { Context: r.context } : {}),
    LaunchTemplateConfigs: r.configs.map((c) => ({
      LaunchTemplateSpecification: { LaunchTemplateName: c.launchTemplateName, Version: "$Latest" },
      Overrides: c.overrides.map((o) => ({ InstanceType: o.instanceType as _InstanceType, SubnetId: o.subnetID, ...(r.prioritized && o.price !== undefined ? { Priority: o.price } : {}) })),
    })),
    TargetCapacitySpecification: { TotalTargetCapacity: count, DefaultTargetCapacityType: target },
    ...targetOptions(r, target),
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
      { ResourceType: "fleet", Tags: tags },
    ],
    ClientToken: r.clientToken,
  };
}

/** Requests that differ only in token and count can share one CreateFleet. */
const batchKey = (r: FleetRequest): string => JSON.stringify({ ...createFleetInput(r), ClientToken: undefined });

/** EC2 tokens are at most 64 ASCII characters. */
export const clientToken = (...parts: string[]): string => createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 64);

export interface FleetOptions {
  idleMs: number;
  maxMs: number;
  maxItems: number;
}

export const defaultFleetBatching: FleetOptions = { idleMs: 35, maxMs: 1000, maxItems: 1000 };

export class FleetLauncher {
  private readonly batcher: Batcher<FleetRequest, FleetResult>;

  constructor(
    private readonly ec2: EC2Client,
    opts: FleetOptions = defaultFleetBatching,
  ) {
    this.batcher = new Batcher({ ...opts, name: "create_fleet", key: batchKey, exec: (rs) => this.exec(rs) });
  }

  launch(r: FleetRequest): Promise<FleetResult> {
    return this.batcher.add(r);
  }

  private async exec(requests: FleetRequest[]): Promise<PromiseSettledResult<FleetResult>[]> {
    const first = requests[0]!;
    // A merged request gets a token of its own, derived from its members' tokens.
    const token = requests.length === 1 ? first.clientToken : clientToken(...requests.map((r) => r.clientToken).sort());
    const input = { ...createFleetInput(first, requests.length), ClientToken: token };
    const res: CreateFleetCommandOutput = await this.ec2.send(new CreateFleetCommand(input));
    const zoneOf = new Map(first.configs.flatMap((c) => c.overrides.map((o) => [o.subnetID, o.zone] as const)));
    const launched = (res.Instances ?? []).flatMap((i) =>
      (i.InstanceIds ?? []).map((id) => ({
        instanceID: id,
        instanceType: i.InstanceType ?? i.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? "",
        zone: i.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone ?? zoneOf.get(i.LaunchTemplateAndOverrides?.Overrides?.SubnetId ?? "") ?? "",
      })),
    );
    const errors: FleetError[] = (res.Errors ?? []).map((e) => {
      const o = e.LaunchTemplateAndOverrides?.Overrides;
      return { code: e.ErrorCode ?? "", message: e.ErrorMessage ?? "", instanceType: o?.InstanceType, zone: o?.AvailabilityZone ?? zoneOf.get(o?.SubnetId ?? "") };
    });
    for (const e of errors) families.launchFailures.inc({ zone: e.zone ?? "", zone_id: "", capacity_type: first.capacityType, reason: e.code });
    return requests.map((_, i) => {
      const got = launched[i];
      return { status: "fulfilled", value: got ? { ...got, errors } : { errors } };
    });
  }
}
