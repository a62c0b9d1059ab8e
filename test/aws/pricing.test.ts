// Prices: spot history from moto, the Pricing API's GetProducts (which moto does not implement:
// its answers are mocked, and the fallback to the bundled snapshot is checked against moto).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeSpotPriceHistoryCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { mockClient } from "aws-sdk-client-mock";
import { pino } from "pino";
import { readCatalog } from "../../src/cloudprovider/aws/catalog.js";
import { PricingProvider } from "../../src/cloudprovider/aws/pricing/pricing.js";
import { Registry, createPricingMetrics } from "../../src/operator/metrics.js";
import { useMoto } from "../env/index.js";
import { passthroughMock } from "./mocks.js";

const product = (instanceType: string, usd: string) =>
  JSON.stringify({
    product: { productFamily: "Compute Instance", attributes: { instanceType, operatingSystem: "Linux", tenancy: "Shared" } },
    terms: { OnDemand: { "ABC.JRTCKXETXF": { priceDimensions: { "ABC.JRTCKXETXF.6YS6EN2CT7": { unit: "Hrs", pricePerUnit: { USD: usd } } } } } },
  });

describe("pricing", () => {
  const moto = useMoto();
  const bundled = (t: string) => readCatalog("us-east-1").instanceTypes.find((e) => e.info.InstanceType === t)?.onDemandPrice;

  it("starts from the bundled snapshot and keeps it when the Pricing API cannot be reached (moto has none)", async () => {
    const p = new PricingProvider({ ec2: new EC2Client(moto().clientConfig()), pricing: new PricingClient({ ...moto().clientConfig(), maxAttempts: 1 }), region: "us-east-1" });
    assert.equal(p.onDemand("m5.large"), bundled("m5.large"));
    await p.refreshOnDemand();
    assert.equal(p.onDemandSource, "bundled");
    assert.match(p.lastError ?? "", /^on-demand prices: /);
    assert.equal(p.onDemand("m5.large"), bundled("m5.large"));
  });

  it("reads spot prices per zone from EC2's spot price history; until then spot is priced as on-demand", async () => {
    const p = new PricingProvider({ ec2: new EC2Client(moto().clientConfig()), pricing: new PricingClient(moto().clientConfig()), region: "us-east-1", isolatedVPC: true });
    assert.equal(p.spot("m5.large", "us-east-1a"), bundled("m5.large"));
    await p.refreshSpot();
    assert.equal(p.lastError, undefined);
    const price = p.spot("m5.large", "us-east-1a");
    assert.ok(price !== undefined && price > 0 && price < (bundled("m5.large") ?? 0), `spot price ${price}`);
    // A zone EC2 does not offer the type in has no spot price.
    assert.equal(p.spot("m5.large", "us-east-1e"), undefined);
  });

  it("parses GetProducts pages, keeping snapshot prices for types the API leaves out", async () => {
    const pricing = new PricingClient({ region: "us-east-1" });
    const mock = mockClient(pricing);
    mock
      .on(GetProductsCommand)
      .resolvesOnce({ PriceList: [product("m5.large", "0.1000000000"), product("c5.large", "0.0000000000")], NextToken: "page2" })
      .resolvesOnce({ PriceList: [product("r5.large", "0.1300000000"), "not json"] });
    const p = new PricingProvider({ ec2: new EC2Client(moto().clientConfig()), pricing, region: "us-east-1" });
    await p.refreshOnDemand();
    assert.equal(p.onDemandSource, "pricing-api");
    assert.equal(p.onDemand("m5.large"), 0.1);
    assert.equal(p.onDemand("r5.large"), 0.13);
    // A zero price is a placeholder, not a price: the snapshot's stays.
    assert.equal(p.onDemand("c5.large"), bundled("c5.large"));
    const calls = mock.commandCalls(GetProductsCommand).map((c) => c.args[0].input);
    assert.equal(calls[0]?.ServiceCode, "AmazonEC2");
    assert.ok(calls[0]?.Filters?.some((f) => f.Field === "regionCode" && f.Value === "us-east-1"));
    assert.equal(calls[1]?.NextToken, "page2");
  });

  it("does not call the Pricing API in an isolated VPC", async () => {
    const pricing = new PricingClient({ region: "us-east-1" });
    const mock = mockClient(pricing);
    const p = new PricingProvider({ ec2: new EC2Client(moto().clientConfig()), pricing, region: "us-east-1", isolatedVPC: true });
    await p.refreshOnDemand();
    assert.equal(mock.calls().length, 0);
  });

  it("logs a failing refresh once per streak, counts every failure, and exposes the age of the prices in use", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const logs: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
    const logger = pino({ level: "info" }, {
      write: (line: string) => {
        const o = JSON.parse(line) as Record<string, unknown>;
        logs.push({ level: pino.levels.labels[Number(o.level)] ?? "", msg: String(o.msg), obj: o });
      },
    });
    const registry = new Registry();
    const metrics = createPricingMetrics(registry);
    const pricing = new PricingClient({ region: "us-east-1" });
    const api = mockClient(pricing);
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    api.on(GetProductsCommand).rejectsOnce(throttled).rejectsOnce(throttled).rejectsOnce(throttled).resolves({ PriceList: [product("m5.large", "0.1000000000")] });
    const ec2 = new EC2Client(moto().clientConfig());
    const spot = passthroughMock(ec2);
    spot.on(DescribeSpotPriceHistoryCommand).rejectsOnce(Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable" }));
    const p = new PricingProvider({ ec2, pricing, region: "us-east-1", clock: () => now, logger, metrics });
    const sample = async (name: string, type: string) => {
      const m = new RegExp(`^${name}\\{price_type="${type}"\\} (\\S+)$`, "m").exec(await registry.metrics());
      return m ? Number(m[1]) : undefined;
    };

    for (let i = 0; i < 3; i++) {
      now += 60_000;
      await p.refreshOnDemand();
    }
    assert.equal(p.onDemand("m5.large"), bundled("m5.large"), "the bundled prices stay in use");
    assert.equal(await sample("tenon_pricing_refresh_errors_total", "on-demand"), 3, "every failure counted");
    assert.deepEqual(logs.map((l) => [l.level, l.msg]), [["warn", "refreshing on-demand prices failed; using the bundled snapshot until a refresh succeeds"]], "logged once for the streak");
    assert.equal(logs[0]!.obj.error, "Rate exceeded");
    assert.equal(await sample("tenon_pricing_age_seconds", "on-demand"), 180, "never refreshed: as old as the provider");

    now += 60_000;
    await p.refreshOnDemand();
    assert.equal(p.onDemand("m5.large"), 0.1);
    assert.deepEqual(logs.at(-1)?.msg, "refreshed on-demand prices after 3 failed attempt(s)");
    now += 30_000;
    assert.equal(await sample("tenon_pricing_age_seconds", "on-demand"), 30, "seconds since the last successful refresh");

    await p.refreshSpot();
    assert.equal(await sample("tenon_pricing_refresh_errors_total", "spot"), 1);
    assert.match(logs.at(-1)?.msg ?? "", /^refreshing spot prices failed; using on-demand prices for spot/);
    await p.refreshSpot();
    assert.equal(await sample("tenon_pricing_age_seconds", "spot"), 0);
    assert.equal(logs.at(-1)?.msg, "refreshed spot prices after 1 failed attempt(s)");
  });
});
