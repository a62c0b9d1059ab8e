// Properties of the requirements algebra and label selectors, checked on random inputs against
// what the definitions say directly (kube-scheduler's matching, Karpenter's intersection).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseInt64 } from "./int64.js";
import { Requirement } from "./requirement.js";
import { Requirements, labelsMatch } from "./requirements.js";
import { compileSelector } from "./selector.js";
import { RequirementOperators, type RequirementSpec } from "./types.js";

// A small universe, so random requirements share values; it holds strings kube-scheduler does and
// does not read as integers.
const universe = ["a", "b", "c", "1", "2", "5", "10", "-3", "+7", "007", "4.5", "64cores", "", "99999999999999999999"];
const value = fc.constantFrom(...universe);
const key = fc.constantFrom("k", "zone", "cpu");

// Shaped as the API server admits them (In/NotIn with values, Exists/DoesNotExist without, Gt/Lt
// with one; Gte/Lte too), except that a Gt/Lt value may be any string: the algebra must stay safe on those.
const spec = (k: fc.Arbitrary<string>): fc.Arbitrary<RequirementSpec> =>
  fc.constantFrom(...RequirementOperators).chain((operator) =>
    fc.record({
      key: k,
      operator: fc.constant(operator),
      values:
        operator === "In" || operator === "NotIn"
          ? fc.array(value, { minLength: 1, maxLength: 3 })
          : operator === "Gt" || operator === "Lt" || operator === "Gte" || operator === "Lte"
            ? fc.tuple(value).map((v) => [...v])
            : fc.constant([]),
    }),
  );

/** kube-scheduler's reading of one NodeSelectorRequirement against a node label value (or its absence). */
function kubeMatches(s: RequirementSpec, label: string | undefined): boolean {
  const values = s.values ?? [];
  switch (s.operator) {
    case "In":
      return label !== undefined && values.includes(label);
    case "NotIn":
      return label === undefined || !values.includes(label);
    case "Exists":
      return label !== undefined;
    case "DoesNotExist":
      return label === undefined;
    case "Gt":
    case "Lt":
    case "Gte":
    case "Lte": {
      if (label === undefined || values.length !== 1) return false;
      const bound = parseInt64(values[0]!);
      const v = parseInt64(label);
      if (bound === undefined || v === undefined) return false;
      // Gte/Lte, Karpenter's NodePool/NodeClaim operators, include their bound.
      return s.operator === "Gt" ? v > bound : s.operator === "Lt" ? v < bound : s.operator === "Gte" ? v >= bound : v <= bound;
    }
  }
}

const req = (s: RequirementSpec): Requirement => Requirement.create(s.key, s.operator, s.values ?? []);

describe("requirements algebra (properties)", () => {
  test("a requirement matches a label value exactly when kube-scheduler would", () => {
    fc.assert(
      fc.property(spec(fc.constant("k")), value, (s, v) => {
        assert.equal(req(s).has(v), kubeMatches(s, v), `${JSON.stringify(s)} on ${JSON.stringify(v)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test("labelsMatch is kube-scheduler's node affinity match, absence included", () => {
    fc.assert(
      fc.property(fc.array(spec(key), { maxLength: 4 }), fc.dictionary(key, value), (specs, labels) => {
        // One requirement per key: kube ANDs repeated keys, and so does Requirements.add.
        const want = specs.every((s) => kubeMatches(s, labels[s.key]));
        assert.equal(labelsMatch(labels, Requirements.fromSpecs(specs)), want);
      }),
      { numRuns: 3000 },
    );
  });

  test("an intersection admits exactly the values both sides admit", () => {
    fc.assert(
      fc.property(spec(fc.constant("k")), spec(fc.constant("k")), value, (a, b, v) => {
        const both = req(a).intersection(req(b));
        assert.equal(both.has(v), req(a).has(v) && req(b).has(v), `${JSON.stringify(a)} ∩ ${JSON.stringify(b)} on ${JSON.stringify(v)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test("intersection is commutative, associative and idempotent on the values it admits", () => {
    fc.assert(
      fc.property(spec(fc.constant("k")), spec(fc.constant("k")), spec(fc.constant("k")), (a, b, c) => {
        const [x, y, z] = [req(a), req(b), req(c)];
        for (const v of universe) {
          assert.equal(x.intersection(y).has(v), y.intersection(x).has(v));
          assert.equal(x.intersection(y).intersection(z).has(v), x.intersection(y.intersection(z)).has(v));
          assert.equal(x.intersection(x).has(v), x.has(v));
        }
      }),
    );
  });

  test("writing a requirement back as specs keeps its meaning", () => {
    fc.assert(
      fc.property(spec(fc.constant("k")), spec(fc.constant("k")), (a, b) => {
        const r = req(a).intersection(req(b));
        const back = Requirements.fromSpecs(r.toSpecs()).get("k")!;
        for (const v of universe) assert.equal(back.has(v), r.has(v), `${r.toString()} → ${JSON.stringify(r.toSpecs())} on ${JSON.stringify(v)}`);
      }),
    );
  });

  test("Gt and Lt take only base-10 int64 values (regressions: \"4.5\" read as 4, \"64cores\" as 64)", () => {
    assert.equal(Requirement.create("k", "Gt", ["4.5"]).has("5"), false);
    assert.equal(Requirement.create("k", "Lt", ["64cores"]).has("8"), false);
    assert.equal(Requirement.create("k", "Gt", ["4"]).has("4.5"), false);
    assert.equal(Requirement.create("k", "Gt", ["4"]).has("64cores"), false);
    assert.equal(Requirement.create("k", "Gt", ["4"]).has("+5"), true);
    assert.equal(Requirement.create("k", "Lt", ["10"]).has("007"), true);
    assert.equal(Requirement.create("k", "Gt", ["1"]).has("99999999999999999999"), false);
  });
});

describe("label selectors (properties)", () => {
  const labelKey = fc.constantFrom("app", "tier", "env");
  const labelValue = fc.constantFrom("a", "b", "c");
  const expression = fc.record({
    key: labelKey,
    operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist"),
    values: fc.array(labelValue, { maxLength: 2 }),
  });
  const selector = fc.record({ matchLabels: fc.dictionary(labelKey, labelValue), matchExpressions: fc.array(expression, { maxLength: 3 }) });

  /** metav1.LabelSelectorAsSelector: every matchLabels pair and every expression must hold. */
  function kubeSelects(sel: { matchLabels: Record<string, string>; matchExpressions: { key: string; operator: string; values: string[] }[] }, labels: Record<string, string>): boolean {
    const pairs = Object.entries(sel.matchLabels).every(([k, v]) => labels[k] === v);
    return (
      pairs &&
      sel.matchExpressions.every((e) => {
        const v = labels[e.key];
        if (e.operator === "In") return v !== undefined && e.values.includes(v);
        if (e.operator === "NotIn") return v === undefined || !e.values.includes(v);
        if (e.operator === "Exists") return v !== undefined;
        return v === undefined;
      })
    );
  }

  test("a compiled selector selects exactly what the API machinery would", () => {
    fc.assert(
      fc.property(selector, fc.dictionary(labelKey, labelValue), (sel, labels) => {
        assert.equal(compileSelector(sel).matches(labels), kubeSelects(sel, labels));
      }),
      { numRuns: 3000 },
    );
  });

  test("selectors with the same key select the same pods", () => {
    fc.assert(
      fc.property(selector, selector, fc.array(fc.dictionary(labelKey, labelValue), { minLength: 5, maxLength: 5 }), (a, b, pods) => {
        const [x, y] = [compileSelector(a), compileSelector(b)];
        if (x.key !== y.key) return;
        for (const p of pods) assert.equal(x.matches(p), y.matches(p));
      }),
      { numRuns: 3000 },
    );
  });
});

// Regression: label keys that name inherited JavaScript properties ("constructor", "toString")
// found the inherited function: normalizeLabelKey returned it (the solver then threw) and a
// selector "toString Exists" matched every pod.
describe("label keys are plain data", () => {
  for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
    test(`"${key}"`, () => {
      assert.equal(Requirements.fromSpecs([{ key, operator: "In", values: ["x"] }]).get(key)?.key, key);
      assert.equal(compileSelector({ matchExpressions: [{ key, operator: "Exists" }] }).matches({ app: "a" }), false);
      assert.equal(compileSelector({ matchExpressions: [{ key, operator: "DoesNotExist" }] }).matches({ app: "a" }), true);
      assert.equal(labelsMatch({ app: "a" }, Requirements.fromSpecs([{ key, operator: "Exists" }])), false);
      assert.equal(labelsMatch({ [key]: "x" }, Requirements.fromSpecs([{ key, operator: "In", values: ["x"] }])), true);
    });
  }
});
