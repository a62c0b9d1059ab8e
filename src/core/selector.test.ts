import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileSelector, namespaceScope } from "./selector.js";

describe("label selectors", () => {
  test("matchLabels and matchExpressions", () => {
    const s = compileSelector({ matchLabels: { app: "a" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }, { key: "canary", operator: "DoesNotExist" }] });
    assert.ok(s.matches({ app: "a", tier: "web" }));
    assert.ok(!s.matches({ app: "a", tier: "db" }));
    assert.ok(!s.matches({ app: "a", tier: "web", canary: "1" }));
  });
  test("nil selects nothing, empty selects everything (kube)", () => {
    assert.ok(!compileSelector(undefined).matches({ a: "b" }));
    assert.ok(compileSelector({}).matches({ a: "b" }));
  });
  test("extra requirements (matchLabelKeys) narrow the selector", () => {
    const s = compileSelector({ matchLabels: { app: "a" } }, [{ key: "rev", operator: "In", values: ["2"] }]);
    assert.ok(s.matches({ app: "a", rev: "2" }));
    assert.ok(!s.matches({ app: "a", rev: "1" }));
  });
  test("equal selectors share a key", () => {
    assert.equal(compileSelector({ matchLabels: { a: "1", b: "2" } }).key, compileSelector({ matchLabels: { b: "2", a: "1" } }).key);
  });
});

describe("namespace scope", () => {
  const labels = new Map([["prod", { env: "prod" }]]);
  test("defaults to the pod's namespace", () => {
    const s = namespaceScope("web", undefined, undefined, labels);
    assert.ok(s.includes("web") && !s.includes("prod"));
  });
  test("listed namespaces and a namespace selector are unioned", () => {
    const s = namespaceScope("web", ["db"], { matchLabels: { env: "prod" } }, labels);
    assert.ok(s.includes("db") && s.includes("prod") && !s.includes("web"));
  });
  test("an empty namespace selector means every namespace", () => assert.ok(namespaceScope("web", undefined, {}, labels).includes("anything")));
  test("kubernetes.io/metadata.name is always a namespace label", () => {
    assert.ok(namespaceScope("web", undefined, { matchLabels: { "kubernetes.io/metadata.name": "x" } }, labels).includes("x"));
  });
});
