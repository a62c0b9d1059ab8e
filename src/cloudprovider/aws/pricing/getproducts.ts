// The Pricing API's GetProducts answer for EC2: each PriceList entry is a JSON document holding the
// product's attributes and its OnDemand terms. This reads the hourly price of each instance type.
import type { Filter } from "@aws-sdk/client-pricing";

/** The filters for shared-tenancy Linux on-demand instances without licensed software in a region. */
export function onDemandFilters(region: string): Filter[] {
  const f = (Field: string, Value: string): Filter => ({ Type: "TERM_MATCH", Field, Value });
  return [
    f("regionCode", region),
    f("serviceCode", "AmazonEC2"),
    f("productFamily", "Compute Instance"),
    f("tenancy", "Shared"),
    f("operatingSystem", "Linux"),
    f("preInstalledSw", "NA"),
    f("capacitystatus", "Used"),
    f("marketoption", "OnDemand"),
  ];
}

interface PriceListDoc {
  product?: { attributes?: { instanceType?: string } };
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { pricePerUnit?: Record<string, string>; unit?: string }> }> };
}

/**
 * Prices from PriceList entries (JSON strings). Entries without an instance type, without an
 * hourly price, or with a zero price (placeholders for unlaunched types) are skipped.
 */
export function parsePriceList(priceList: readonly string[], currency = "USD"): Map<string, number> {
  const out = new Map<string, number>();
  for (const text of priceList) {
    let doc: PriceListDoc;
    try {
      doc = JSON.parse(text) as PriceListDoc;
    } catch {
      continue;
    }
    const type = doc.product?.attributes?.instanceType;
    if (!type) continue;
    for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
      for (const dim of Object.values(term.priceDimensions ?? {})) {
        if (dim.unit !== undefined && dim.unit !== "Hrs") continue;
        const price = Number(dim.pricePerUnit?.[currency]);
        if (Number.isFinite(price) && price > 0) out.set(type, price);
      }
    }
  }
  return out;
}
