import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Batcher } from "./batcher.js";

describe("Batcher", () => {
  it("runs concurrent calls with the same key as one batch and hands each its result", async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>({
      idleMs: 5,
      maxMs: 100,
      maxItems: 10,
      key: (n) => (n % 2 === 0 ? "even" : "odd"),
      exec: async (inputs) => {
        batches.push(inputs);
        return inputs.map((n) => (n === 3 ? { status: "rejected", reason: new Error("three") } : { status: "fulfilled", value: n * 10 }));
      },
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => b.add(n)));
    assert.deepEqual(
      batches.map((x) => [...x].sort()),
      [
        [1, 3],
        [2, 4],
      ],
    );
    assert.deepEqual(
      results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message)),
      [10, 20, "three", 40],
    );
  });

  it("closes a batch at maxItems without waiting", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      idleMs: 10_000,
      maxMs: 10_000,
      maxItems: 2,
      key: () => "k",
      exec: async (inputs) => {
        sizes.push(inputs.length);
        return inputs.map((v) => ({ status: "fulfilled", value: v }));
      },
    });
    assert.deepEqual(await Promise.all([b.add(1), b.add(2)]), [1, 2]);
    assert.deepEqual(sizes, [2]);
  });

  it("fails every call of a batch whose request failed", async () => {
    const b = new Batcher<number, number>({
      idleMs: 1,
      maxMs: 50,
      maxItems: 5,
      key: () => "k",
      exec: async () => {
        throw new Error("throttled");
      },
    });
    const results = await Promise.allSettled([b.add(1), b.add(2)]);
    assert.ok(results.every((r) => r.status === "rejected" && (r.reason as Error).message === "throttled"));
  });
});
