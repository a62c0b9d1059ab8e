import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Gi, MaxQuantity, Mi, QuantityError, ResourceListError, formatQuantity, humanQuantity, isQuantity, parseQuantity, parseResourceList } from "./quantity.js";

describe("parseQuantity", () => {
  const cases: [string | number, string, number][] = [
    ["100m", "cpu", 100],
    ["1.5", "cpu", 1500],
    ["1.1", "cpu", 1100],
    ["2", "cpu", 2000],
    ["0.5m", "cpu", 1],
    ["1e3", "cpu", 1_000_000],
    ["1E3", "cpu", 1_000_000],
    ["1e-3", "cpu", 1],
    [".5", "cpu", 500],
    ["2Gi", "memory", 2 * Gi],
    ["500Mi", "memory", 500 * Mi],
    ["1.5Gi", "memory", 1.5 * Gi],
    ["1k", "memory", 1000],
    ["1M", "memory", 1_000_000],
    ["1G", "memory", 1_000_000_000],
    ["1Ki", "memory", 1024],
    ["1Ti", "ephemeral-storage", 2 ** 40],
    ["100m", "memory", 1],
    ["3", "nvidia.com/gpu", 3],
    ["110", "pods", 110],
    ["+2", "cpu", 2000],
    ["-1", "cpu", -1000],
    [2, "cpu", 2000],
    [0.25, "cpu", 250],
    ["0", "memory", 0],
  ];
  for (const [q, r, want] of cases) test(`${JSON.stringify(q)} ${r} → ${want}`, () => assert.equal(parseQuantity(q, r), want));

  test("rejects malformed quantities with a message quoting the text", () => {
    assert.throws(() => parseQuantity("2GB", "memory"), /invalid quantity "2GB": "GB" is not a suffix/);
    assert.throws(() => parseQuantity("", "cpu"), /invalid quantity "": it is empty/);
    assert.throws(() => parseQuantity("1.2.3", "cpu"), QuantityError);
  });

  test("parses a resource list, naming the field of a bad quantity", () => {
    assert.deepEqual(parseResourceList({ cpu: "250m", memory: "1Gi", pods: "10" }), { cpu: 250, memory: Gi, pods: 10 });
    assert.deepEqual(parseResourceList(undefined), {});
    assert.throws(
      () => parseResourceList({ cpu: "1e1.5" }, "spec.limits"),
      (err: unknown) => err instanceof ResourceListError && err.field === "spec.limits.cpu" && /^spec\.limits\.cpu: invalid quantity "1e1\.5"/.test(err.message),
    );
  });
});

// What resource.ParseQuantity accepts and refuses, including the odd corners its scanner allows.
describe("parseQuantity reads text as kube's resource.ParseQuantity does", () => {
  const accepted: [string, string, number][] = [
    ["1e1", "pods", 10],
    ["1e+2", "pods", 100],
    ["1E", "memory", 1e18],
    ["5e-1", "cpu", 500],
    ["007", "pods", 7],
    ["1.", "cpu", 1000],
    [".", "cpu", 0],
    ["+", "cpu", 0],
    ["m", "cpu", 0],
    ["1.5Ki", "memory", 1536],
    ["  2Gi ", "memory", 2 * Gi],
    ["1n", "cpu", 1],
    ["0.0001", "memory", 1],
    ["-0", "cpu", 0],
  ];
  for (const [q, r, want] of accepted) test(`accepts ${JSON.stringify(q)} (${r} → ${want})`, () => assert.equal(parseQuantity(q, r), want));

  const refused = ["1e1.5", "1e", "1e+", "1Ee5", "1K", "1KiB", "1m5", "1.2.3", "0x10", "1_000", "∞", "NaN", "1 Gi", "1e99999999999999999999", "--1", "1-", "Gi2"];
  for (const q of refused) test(`refuses ${JSON.stringify(q)}`, () => assert.throws(() => parseQuantity(q, "memory"), QuantityError));

  test("takes JSON numbers as the API server does (their text)", () => {
    assert.equal(parseQuantity(0.5, "cpu"), 500);
    assert.equal(parseQuantity(1e21, "memory"), MaxQuantity);
    assert.equal(parseQuantity(1e-7, "cpu"), 1);
    assert.throws(() => parseQuantity(Number.NaN, "cpu"), QuantityError);
  });

  test("caps at the largest int64 and rounds tiny values up to one unit", () => {
    assert.equal(parseQuantity("8Ei", "memory"), MaxQuantity);
    assert.equal(parseQuantity("9223372036854775807", "memory"), MaxQuantity);
    assert.equal(parseQuantity("1e999999999", "memory"), MaxQuantity);
    assert.equal(parseQuantity("1e-999999999", "memory"), 1);
    assert.equal(parseQuantity("-1e999999999", "cpu"), -MaxQuantity);
  });

  test("bounded: a megabyte of digits and huge exponents parse at once", () => {
    const digits = "9".repeat(1_000_000);
    assert.equal(parseQuantity(digits, "memory"), MaxQuantity);
    assert.equal(parseQuantity(`0.${"0".repeat(1_000_000)}1`, "memory"), 1);
    assert.equal(parseQuantity(`${"0".repeat(1_000_000)}5`, "pods"), 5);
    assert.equal(parseQuantity(`1.${"0".repeat(100_000)}1`, "pods"), 2);
  });
});

describe("parseQuantity properties", () => {
  const digits = fc.stringMatching(/^[0-9]{1,12}$/);
  test("an integer with a decimal suffix is that integer times the power of ten", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(["", 0], ["k", 3], ["M", 6], ["G", 9]), (n, [suffix, exp]) => {
        assert.equal(parseQuantity(`${n}${suffix as string}`, "memory"), n * 10 ** (exp as number));
      }),
    );
  });
  test("binary suffixes multiply by powers of 1024", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(["Ki", 10], ["Mi", 20], ["Gi", 30]), (n, [suffix, exp]) => {
        assert.equal(parseQuantity(`${n}${suffix as string}`, "memory"), n * 2 ** (exp as number));
      }),
    );
  });
  test("cpu decimals read exactly in millicores, rounded up", () => {
    fc.assert(
      fc.property(digits, fc.stringMatching(/^[0-9]{0,6}$/), (whole, frac) => {
        const text = frac === "" ? whole : `${whole}.${frac}`;
        const exact = BigInt(`${whole}${frac.padEnd(3, "0").slice(0, 3)}`);
        const rest = frac.slice(3);
        const want = exact + (/[1-9]/.test(rest) ? 1n : 0n);
        assert.equal(parseQuantity(text, "cpu"), Number(want));
      }),
    );
  });
  test("a value and its formatted form parse to the same number", () => {
    fc.assert(
      fc.property(fc.constantFrom("cpu", "memory", "pods", "ephemeral-storage"), fc.integer({ min: 0, max: 2 ** 48 }), (resource, v) => {
        assert.equal(parseQuantity(formatQuantity(v, resource), resource), v);
      }),
    );
  });
  test("any text either parses to a finite number within the cap or throws QuantityError, quickly", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[+-]?[0-9.]{0,30}[eEinumkKMGTP]{0,3}[+-]?[0-9.]{0,25}$/)), (text) => {
        try {
          const v = parseQuantity(text, "memory");
          assert.ok(Number.isFinite(v) && Math.abs(v) <= MaxQuantity, `${JSON.stringify(text)} → ${v}`);
          assert.equal(isQuantity(text), true);
        } catch (err) {
          assert.ok(err instanceof QuantityError, `${JSON.stringify(text)} threw ${String(err)}`);
          assert.equal(isQuantity(text), false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("formatQuantity", () => {
  const cases: [number, string, string][] = [
    [1500, "cpu", "1500m"],
    [2000, "cpu", "2"],
    [2 * Gi, "memory", "2Gi"],
    [512 * Mi, "memory", "512Mi"],
    [1000, "memory", "1000"],
    [3, "nvidia.com/gpu", "3"],
  ];
  for (const [v, r, want] of cases) test(`${v} ${r} → ${want}`, () => assert.equal(formatQuantity(v, r), want));

  test("round-trips", () => {
    const cases: [string, string][] = [
      ["250m", "cpu"],
      ["4", "cpu"],
      ["3Gi", "memory"],
      ["768Mi", "memory"],
      ["7", "pods"],
    ];
    for (const [q, r] of cases) assert.equal(formatQuantity(parseQuantity(q, r), r), q);
  });
});

describe("humanQuantity", () => {
  test("reads well in messages", () => {
    assert.equal(humanQuantity(95690, "cpu"), "95.69 cpu");
    assert.equal(humanQuantity(370.3 * Gi, "memory"), "370.3Gi memory");
    assert.equal(humanQuantity(110, "pods"), "110 pods");
  });
});
