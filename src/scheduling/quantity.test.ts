import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatQuantity, humanQuantity, parseQuantity, parseResourceList } from "./quantity.js";

const Gi = 2 ** 30;
const Mi = 2 ** 20;

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

  test("rejects malformed quantities with a message naming the resource", () => {
    assert.throws(() => parseQuantity("2GB", "memory"), /invalid quantity "2GB" for memory/);
    assert.throws(() => parseQuantity("", "cpu"), /invalid quantity/);
    assert.throws(() => parseQuantity("1.2.3", "cpu"), /invalid quantity/);
  });

  test("parses a resource list", () => {
    assert.deepEqual(parseResourceList({ cpu: "250m", memory: "1Gi", pods: "10" }), { cpu: 250, memory: Gi, pods: 10 });
    assert.deepEqual(parseResourceList(undefined), {});
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
