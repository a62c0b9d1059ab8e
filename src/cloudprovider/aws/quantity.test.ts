import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Gi, Mi, canonicalQuantity, parseQuantity } from "./quantity.js";

describe("quantities", () => {
  it("parses binary, decimal and exponent suffixes", () => {
    assert.equal(parseQuantity("4Gi"), 4 * Gi);
    assert.equal(parseQuantity("100Mi"), 100 * Mi);
    assert.equal(parseQuantity("20G"), 20e9);
    assert.equal(parseQuantity("1e3"), 1000);
    assert.equal(parseQuantity("250m"), 0.25);
  });
  it("converts to canonical units, rounding up", () => {
    assert.equal(canonicalQuantity("cpu", "100m"), 100);
    assert.equal(canonicalQuantity("cpu", "0.1"), 100);
    assert.equal(canonicalQuantity("cpu", "2"), 2000);
    assert.equal(canonicalQuantity("memory", "1.5Ki"), 1536);
    assert.equal(canonicalQuantity("memory", "1m"), 1);
  });
  it("rejects garbage with the offending text", () => {
    assert.throws(() => parseQuantity("lots"), /invalid quantity "lots"/);
  });
});
