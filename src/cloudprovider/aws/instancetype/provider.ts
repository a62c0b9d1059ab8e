// Instance types as EC2 describes them now (DescribeInstanceTypes, DescribeInstanceTypeOfferings),
// cached, converted per node class with current prices and unavailable offerings.
import {
  DescribeInstanceTypeOfferingsCommand,
  type DescribeInstanceTypeOfferingsCommandOutput,
  DescribeInstanceTypesCommand,
  type DescribeInstanceTypesCommandOutput,
  type EC2Client,
  type InstanceTypeInfo,
} from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import type { InstanceType } from "../../types.js";
import { amiFamilyOf } from "../amifamily.js";
import { type Clock, TTLCache, systemClock } from "../cache.js";
import type { CapacityType } from "../../../apis/labels.js";
import type { UnavailableOfferings } from "../unavailableofferings.js";
import type { PricingProvider } from "../pricing/pricing.js";
import { toInstanceType } from "./instancetypes.js";
import type { ReservationOffer } from "./offerings.js";
import type { PlacementGroupInfo } from "./requirements.js";

/** EC2 adds instance types rarely; an hour keeps the controller current at negligible cost. */
export const INSTANCE_TYPES_TTL_MS = 60 * 60_000;
/**
 * Converted lists are reused while nothing they depend on changes; the short expiry also catches
 * unavailable offerings that time out (which, unlike new ones, bump no sequence number).
 */
export const CONVERTED_TTL_MS = 30_000;

export interface InstanceTypeProviderDeps {
  ec2: EC2Client;
  region: string;
  pricing: PricingProvider;
  unavailable: UnavailableOfferings;
  vmMemoryOverheadPercent: number;
  reservedENIs: number;
  clock?: Clock;
}

interface Raw {
  infos: InstanceTypeInfo[];
  /** type → zones offering it */
  zones: Map<string, string[]>;
}

export class InstanceTypeProvider {
  private readonly raw: TTLCache<Raw>;
  private readonly converted: TTLCache<InstanceType[]>;

  constructor(private readonly deps: InstanceTypeProviderDeps) {
    this.raw = new TTLCache(INSTANCE_TYPES_TTL_MS, deps.clock ?? systemClock);
    this.converted = new TTLCache(CONVERTED_TTL_MS, deps.clock ?? systemClock);
  }

  /** Describes every hvm x86_64/arm64 instance type and where each is offered. */
  private async load(): Promise<Raw> {
    const infos: InstanceTypeInfo[] = [];
    let token: string | undefined;
    do {
      const res: DescribeInstanceTypesCommandOutput = await this.deps.ec2.send(
        new DescribeInstanceTypesCommand({
          Filters: [
            { Name: "supported-virtualization-type", Values: ["hvm"] },
            { Name: "processor-info.supported-architecture", Values: ["x86_64", "arm64"] },
          ],
          NextToken: token,
        }),
      );
      infos.push(...(res.InstanceTypes ?? []));
      token = res.NextToken;
    } while (token);
    const zones = new Map<string, string[]>();
    token = undefined;
    do {
      const res: DescribeInstanceTypeOfferingsCommandOutput = await this.deps.ec2.send(
        new DescribeInstanceTypeOfferingsCommand({ LocationType: "availability-zone", NextToken: token }),
      );
      for (const o of res.InstanceTypeOfferings ?? []) {
        if (!o.InstanceType || !o.Location) continue;
        zones.set(o.InstanceType, [...(zones.get(o.InstanceType) ?? []), o.Location]);
      }
      token = res.NextToken;
    } while (token);
    return { infos, zones };
  }

  /** Drops the cached EC2 answers (e.g. after an instance type EC2 no longer knows). */
  invalidate(): void {
    this.raw.clear();
    this.converted.clear();
  }

  /** The instance types a node class can launch, with offerings in its subnets' zones. */
  async list(nodeClass: EC2NodeClass, reservations: ReservationOffer[] = [], placementGroup?: PlacementGroupInfo): Promise<InstanceType[]> {
    const raw = await this.raw.getOrLoad("all", () => this.load());
    const spec = nodeClass.spec;
    const p = this.deps.pricing;
    const key = JSON.stringify([
      amiFamilyOf(spec),
      spec.kubelet,
      spec.blockDeviceMappings,
      spec.instanceStorePolicy,
      nodeClass.status?.subnets,
      reservations,
      placementGroup,
      this.deps.unavailable.seq,
      p.onDemandUpdatedAt,
      p.spotUpdatedAt,
    ]);
    const hit = this.converted.get(key);
    if (hit) return hit;
    const zones = (nodeClass.status?.subnets ?? []).map((s) => ({ name: s.zone, id: s.zoneID }));
    const uniqueZones = [...new Map(zones.map((z) => [z.name, z])).values()];
    const opts = {
      region: this.deps.region,
      zones: uniqueZones,
      amiFamily: amiFamilyOf(spec),
      kubelet: spec.kubelet,
      blockDeviceMappings: spec.blockDeviceMappings,
      instanceStorePolicy: spec.instanceStorePolicy,
      vmMemoryOverheadPercent: this.deps.vmMemoryOverheadPercent,
      reservedENIs: this.deps.reservedENIs,
      placementGroup,
    };
    const pricing = {
      prices: this.deps.pricing,
      // Refusals inside the node class's placement group count for its launches only.
      isUnavailable: (name: string, zone: string, ct: CapacityType) => this.deps.unavailable.isUnavailable(name, zone, ct, placementGroup?.id),
      reservations,
    };
    const out: InstanceType[] = [];
    for (const info of raw.infos) {
      const it = toInstanceType(info, raw.zones.get(info.InstanceType ?? "") ?? [], opts, pricing);
      if (it) out.push(it);
    }
    this.converted.set(key, out);
    return out;
  }

  /** The raw EC2 description of one type (for get(): capacity of a running instance). */
  async info(name: string): Promise<InstanceTypeInfo | undefined> {
    const raw = await this.raw.getOrLoad("all", () => this.load());
    return raw.infos.find((i) => i.InstanceType === name);
  }
}
