import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadCatalogInstanceTypes } from "../catalog.js";
import { ResourcePodENI } from "./capacity.js";

describe("vpc.amazonaws.com/pod-eni capacity (security groups for pods)", () => {
  const types = new Map(loadCatalogInstanceTypes("us-east-1").map((t) => [t.name, t]));
  it("is the type's branch-interface limit where it supports trunking", () => {
    assert.equal(types.get("m5.large")?.capacity[ResourcePodENI], 9);
    assert.equal(types.get("c5.18xlarge")?.capacity[ResourcePodENI], 107);
  });
  it("is absent where the type takes no branch interfaces", () => {
    assert.ok(types.has("t3.large"));
    assert.equal(types.get("t3.large")?.capacity[ResourcePodENI], undefined);
  });
});
