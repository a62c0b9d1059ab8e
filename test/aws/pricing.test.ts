// Prices: spot history from moto, the Pricing API's GetProducts (which moto does not implement:
// its answers are mocked, and the fallback to the bundled snapshot is checked against moto).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { mockClient } from "aws-sdk-client-mock";
import { readCatalog } from "../../src/cloudprovider/aws/catalog.js";
import { PricingProvider } from "../../src/cloudprovider/aws/pricing/pricing.js";
import { useMoto } from "../env/index.js";

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
});
