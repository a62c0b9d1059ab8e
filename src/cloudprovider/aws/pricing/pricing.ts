// Instance prices: on-demand from the Pricing API, spot from EC2's spot price history, both
// refreshed periodically. Until (or where) AWS answers, the bundled catalog's on-demand snapshot
// stands in, so a controller in an isolated VPC or a fresh start can still rank instance types.
import { type DescribeSpotPriceHistoryCommandOutput, DescribeSpotPriceHistoryCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import { type Clock, systemClock } from "../cache.js";
import { readCatalog } from "../catalog.js";
import { errorMessage } from "../errors.js";
import type { PriceSource } from "../instancetype/offerings.js";
import { onDemandFilters, parsePriceList } from "./getproducts.js";

export interface PricingDeps {
  ec2: EC2Client;
  pricing: PricingClient;
  region: string;
  /** No Pricing API (ISOLATED_VPC): only the bundled snapshot and spot history. */
  isolatedVPC?: boolean;
  clock?: Clock;
}

/** Bundled on-demand prices for the region, or none if the catalog has no such region. */
function bundledOnDemand(region: string): Map<string, number> {
  try {
    return new Map(readCatalog(region).instanceTypes.map((e) => [e.info.InstanceType ?? "", e.onDemandPrice]));
  } catch {
    return new Map();
  }
}

const currencyOf = (region: string): string => (region.startsWith("cn-") ? "CNY" : "USD");

export class PricingProvider implements PriceSource {
  private onDemandPrices: Map<string, number>;
  /** type → zone → price; undefined until spot history has been read once. */
  private spotPrices: Map<string, Map<string, number>> | undefined;
  onDemandSource: "bundled" | "pricing-api";
  onDemandUpdatedAt: number | undefined;
  spotUpdatedAt: number | undefined;
  lastError: string | undefined;
  private timers: ReturnType<typeof setInterval>[] = [];
  private readonly clock: Clock;

  constructor(private readonly deps: PricingDeps) {
    this.clock = deps.clock ?? systemClock;
    this.onDemandPrices = bundledOnDemand(deps.region);
    this.onDemandSource = "bundled";
  }

  onDemand(instanceType: string): number | undefined {
    return this.onDemandPrices.get(instanceType);
  }

  /**
   * Before the first spot history read, a spot offering is priced like on-demand (as Karpenter
   * starts): launchable, and never preferred over on-demand for a price it may not have.
   */
  spot(instanceType: string, zone: string): number | undefined {
    if (!this.spotPrices) return this.onDemand(instanceType);
    return this.spotPrices.get(instanceType)?.get(zone);
  }

  /** Reads on-demand prices from the Pricing API; keeps the current ones if it fails. */
  async refreshOnDemand(): Promise<void> {
    if (this.deps.isolatedVPC) return;
    try {
      const prices = new Map<string, number>();
      let token: string | undefined;
      do {
        const res = await this.deps.pricing.send(new GetProductsCommand({ ServiceCode: "AmazonEC2", Filters: onDemandFilters(this.deps.region), NextToken: token, MaxResults: 100 }));
        for (const [k, v] of parsePriceList(res.PriceList ?? [], currencyOf(this.deps.region))) prices.set(k, v);
        token = res.NextToken;
      } while (token);
      if (prices.size === 0) throw new Error(`the Pricing API returned no on-demand prices for ${this.deps.region}`);
      // Types the API omits keep their snapshot price rather than becoming unpriced (unavailable).
      this.onDemandPrices = new Map([...this.onDemandPrices, ...prices]);
      this.onDemandSource = "pricing-api";
      this.onDemandUpdatedAt = this.clock();
    } catch (err) {
      this.lastError = `on-demand prices: ${errorMessage(err)}`;
    }
  }

  /** Reads the latest spot price of every type and zone from EC2's spot price history. */
  async refreshSpot(): Promise<void> {
    try {
      const latest = new Map<string, Map<string, { price: number; at: number }>>();
      let token: string | undefined;
      do {
        const res: DescribeSpotPriceHistoryCommandOutput = await this.deps.ec2.send(
          new DescribeSpotPriceHistoryCommand({
            ProductDescriptions: ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"],
            StartTime: new Date(this.clock()),
            NextToken: token,
          }),
        );
        for (const p of res.SpotPriceHistory ?? []) {
          const type = p.InstanceType;
          const zone = p.AvailabilityZone;
          const price = Number(p.SpotPrice);
          if (!type || !zone || !Number.isFinite(price)) continue;
          const at = p.Timestamp?.getTime() ?? 0;
          const zones = latest.get(type) ?? new Map<string, { price: number; at: number }>();
          const prev = zones.get(zone);
          if (!prev || prev.at <= at) zones.set(zone, { price, at });
          latest.set(type, zones);
        }
        token = res.NextToken || undefined;
      } while (token);
      this.spotPrices = new Map([...latest].map(([t, zones]) => [t, new Map([...zones].map(([z, v]) => [z, v.price]))]));
      this.spotUpdatedAt = this.clock();
    } catch (err) {
      this.lastError = `spot prices: ${errorMessage(err)}`;
    }
  }

  /** Refreshes now and then every interval (timers do not keep the process alive). */
  start(intervals: { onDemandMs: number; spotMs: number } = { onDemandMs: 12 * 3600_000, spotMs: 5 * 60_000 }): Promise<void> {
    this.stop();
    const od = setInterval(() => void this.refreshOnDemand(), intervals.onDemandMs);
    const sp = setInterval(() => void this.refreshSpot(), intervals.spotMs);
    od.unref();
    sp.unref();
    this.timers = [od, sp];
    return Promise.all([this.refreshOnDemand(), this.refreshSpot()]).then(() => undefined);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
