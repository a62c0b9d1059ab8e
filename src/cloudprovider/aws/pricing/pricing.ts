// Instance prices: on-demand from the Pricing API, spot from EC2's spot price history, both
// refreshed periodically. Until (or where) AWS answers, the bundled catalog's on-demand snapshot
// stands in, so a controller in an isolated VPC or a fresh start can still rank instance types.
// A refresh that fails keeps the prices in use and is surfaced: logged once per streak of failures
// (and once when it recovers), counted (tenon_pricing_refresh_errors_total), and the age of the
// prices in use is exposed (tenon_pricing_age_seconds).
import { type DescribeSpotPriceHistoryCommandOutput, DescribeSpotPriceHistoryCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import { type Clock, systemClock } from "../cache.js";
import { readCatalog } from "../catalog.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "pino";
import type { PriceSource } from "../instancetype/offerings.js";
import { onDemandFilters, parsePriceList } from "./getproducts.js";

export type PriceType = "on-demand" | "spot";

/** Where the provider reports its refreshes (the operator's metrics; a structural type, so the provider needs no prom-client). */
export interface PricingMetricsSink {
  /** One failed refresh. */
  pricingRefreshErrors: { inc(labels: { price_type: PriceType }): void };
  /** What the price-age gauge reads at each scrape. */
  observePricingAge(read: () => { priceType: PriceType; seconds: number }[]): void;
}

export interface PricingDeps {
  ec2: EC2Client;
  pricing: PricingClient;
  region: string;
  /** No Pricing API (ISOLATED_VPC): only the bundled snapshot and spot history. */
  isolatedVPC?: boolean;
  clock?: Clock;
  logger?: Pick<Logger, "warn" | "info">;
  metrics?: PricingMetricsSink;
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
  /** Failed refreshes in a row, per price type. */
  readonly failures: Record<PriceType, number> = { "on-demand": 0, spot: 0 };
  private timers: ReturnType<typeof setInterval>[] = [];
  private readonly clock: Clock;
  private readonly startedAt: number;

  constructor(private readonly deps: PricingDeps) {
    this.clock = deps.clock ?? systemClock;
    this.startedAt = this.clock();
    this.onDemandPrices = bundledOnDemand(deps.region);
    this.onDemandSource = "bundled";
    deps.metrics?.observePricingAge(() => {
      const a = this.ages();
      return [
        { priceType: "on-demand", seconds: a.onDemand },
        { priceType: "spot", seconds: a.spot },
      ];
    });
  }

  /**
   * Seconds since the prices in use were last refreshed. Prices never refreshed (the bundled
   * snapshot, spot priced as on-demand) count from the provider's start: they are at least that old.
   */
  ages(): { onDemand: number; spot: number } {
    const now = this.clock();
    return { onDemand: (now - (this.onDemandUpdatedAt ?? this.startedAt)) / 1000, spot: (now - (this.spotUpdatedAt ?? this.startedAt)) / 1000 };
  }

  private failed(type: PriceType, err: unknown): void {
    const message = errorMessage(err);
    this.lastError = `${type} prices: ${message}`;
    this.deps.metrics?.pricingRefreshErrors.inc({ price_type: type });
    const at = type === "on-demand" ? this.onDemandUpdatedAt : this.spotUpdatedAt;
    const using = at !== undefined ? `prices from ${new Date(at).toISOString()}` : type === "on-demand" ? "the bundled snapshot" : "on-demand prices for spot";
    // Once per streak: a refresh that keeps failing is one problem, not one line per try.
    if (this.failures[type]++ === 0) this.deps.logger?.warn({ priceType: type, error: message, using }, `refreshing ${type} prices failed; using ${using} until a refresh succeeds`);
  }

  private refreshed(type: PriceType): void {
    const failures = this.failures[type];
    this.failures[type] = 0;
    if (failures > 0) this.deps.logger?.info({ priceType: type, failures }, `refreshed ${type} prices after ${failures} failed attempt(s)`);
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
      this.refreshed("on-demand");
    } catch (err) {
      this.failed("on-demand", err);
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
      this.refreshed("spot");
    } catch (err) {
      this.failed("spot", err);
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
