import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SlackIndex } from "./slackindex.js";

describe("SlackIndex", () => {
  test("finds the first slot with room in every dimension", () => {
    const idx = new SlackIndex(2);
    idx.set(0, [1, 10]);
    idx.set(1, [10, 1]);
    idx.set(2, [5, 5]);
    idx.set(3, [10, 10]);
    assert.equal(idx.findFirst(0, [4, 4]), 2);
    assert.equal(idx.findFirst(3, [4, 4]), 3);
    assert.equal(idx.findFirst(0, [11, 1]), -1);
    assert.equal(idx.findFirst(0, [1, 1]), 0);
  });
  test("disabled slots and updates", () => {
    const idx = new SlackIndex(1);
    for (let i = 0; i < 100; i++) idx.set(i, [i]);
    assert.equal(idx.findFirst(0, [50]), 50);
    idx.disable(50);
    assert.equal(idx.findFirst(0, [50]), 51);
    idx.set(10, [99]);
    assert.equal(idx.findFirst(0, [50]), 10);
    assert.equal(idx.findFirst(11, [50]), 51);
    assert.equal(idx.length, 100);
  });
});
