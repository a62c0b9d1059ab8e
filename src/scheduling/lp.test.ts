import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { solvePacking } from "./lp.js";

const rows = (...rs: number[][]) => rs.map((r) => Float64Array.from(r));

describe("solvePacking", () => {
  test("one resource: demand × cheapest price per unit", () => {
    // types: 2 units for 1.0, 4 units for 1.6 (0.4/unit), 8 units for 4.0
    const { value } = solvePacking({ a: rows([2], [4], [8]), p: Float64Array.from([1, 1.6, 4]), d: Float64Array.from([10]) });
    assert.ok(Math.abs(value - 4) < 1e-6, `value ${value}`);
  });
  test("two resources: a mix of types beats either alone", () => {
    // cpu-heavy (4 cpu, 2 mem) and mem-heavy (1 cpu, 8 mem), both 1.0; demand 4 cpu, 8 mem:
    // x1 + x2 both 0.875… solve: 4x1 + x2 ≥ 4, 2x1 + 8x2 ≥ 8 → x1 = 0.8, x2 = 0.8 → 1.6
    const { value } = solvePacking({ a: rows([4, 2], [1, 8]), p: Float64Array.from([1, 1]), d: Float64Array.from([4, 8]) });
    assert.ok(Math.abs(value - 1.6) < 1e-6, `value ${value}`);
  });
  test("the returned prices are feasible for every row, so the value is a true bound", () => {
    const a = rows([1000, 2 ** 31], [4000, 2 ** 33], [16000, 2 ** 34]);
    const p = Float64Array.from([0.05, 0.19, 0.5]);
    const d = Float64Array.from([123_000, 7e11]);
    const { y, value } = solvePacking({ a, p, d });
    a.forEach((row, i) => assert.ok(row[0]! * y[0]! + row[1]! * y[1]! <= p[i]! * (1 + 1e-12)));
    assert.ok(value > 0);
  });
  test("columns no row supplies are ignored (no unbounded answer)", () => {
    const { value, y } = solvePacking({ a: rows([1, 0]), p: Float64Array.from([2]), d: Float64Array.from([3, 5]) });
    assert.equal(value, 6 * (1 - 1e-9));
    assert.equal(y[1], 0);
  });
  test("no demand, no bound", () => assert.equal(solvePacking({ a: rows([1]), p: Float64Array.from([1]), d: Float64Array.from([0]) }).value, 0));
  test("a count constraint (nodes) adds the per-node floor", () => {
    // 1 unit of cpu per node at price 1 or 10 units at price 9; 10 cpu and at least 5 nodes:
    const { value } = solvePacking({ a: rows([1, 1], [10, 1]), p: Float64Array.from([1, 9]), d: Float64Array.from([10, 5]) });
    // x_s + x_l ≥ 5 and x_s + 10·x_l ≥ 10 meet at x_l = 5/9, x_s = 40/9: cost 40/9 + 45/9 = 85/9
    assert.ok(Math.abs(value - 85 / 9) < 1e-6, `value ${value}`);
  });
});
