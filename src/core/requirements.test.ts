import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Requirement } from "./requirement.js";
import { Requirements, labelsMatch } from "./requirements.js";
/** Keys a new node defines from its instance type (a stand-in for scheduling's WellKnownLabels). */
const WellKnownLabels: ReadonlySet<string> = new Set(["kubernetes.io/arch", "topology.kubernetes.io/zone"]);

const r = (op: string, ...values: string[]) => Requirement.create("k", op, values);
const set = (...specs: [string, string, ...string[]][]) => new Requirements(specs.map(([key, op, ...values]) => Requirement.create(key, op, values)));

describe("Requirement", () => {
  test("In ∩ In keeps the common values", () => assert.deepEqual(r("In", "a", "b").intersection(r("In", "b", "c")).sortedValues(), ["b"]));
  test("In ∩ NotIn removes the excluded values", () => assert.deepEqual(r("In", "a", "b").intersection(r("NotIn", "a")).sortedValues(), ["b"]));
  test("NotIn ∩ NotIn excludes both", () => {
    const x = r("NotIn", "a").intersection(r("NotIn", "b"));
    assert.equal(x.operator, "NotIn");
    assert.deepEqual(x.sortedValues(), ["a", "b"]);
  });
  test("Exists ∩ In is the In", () => assert.deepEqual(r("Exists").intersection(r("In", "x")).sortedValues(), ["x"]));
  test("DoesNotExist ∩ In is empty", () => assert.equal(r("DoesNotExist").intersection(r("In", "x")).size, 0));
  test("Exists is open-ended", () => assert.equal(r("Exists").size, Number.POSITIVE_INFINITY));
  test("Gt keeps integers above the bound", () => {
    const x = r("Gt", "4").intersection(r("In", "2", "4", "8", "abc"));
    assert.deepEqual(x.sortedValues(), ["8"]);
  });
  test("Lt keeps integers below the bound", () => assert.deepEqual(r("Lt", "4").intersection(r("In", "2", "4", "8")).sortedValues(), ["2"]));
  test("Gt ∩ Lt with no integer between is empty", () => {
    assert.equal(r("Gt", "4").intersection(r("Lt", "5")).size, 0);
    assert.equal(r("Gt", "4").intersection(r("Lt", "6")).has("5"), true);
  });
  test("Gt does not match a non-integer label", () => assert.equal(r("Gt", "1").has("abc"), false));
  test("a Gt whose value is not an integer matches nothing", () => assert.equal(r("Gt", "x").size, 0));
  test("Gte and Lte include their bound", () => {
    assert.deepEqual(r("Gte", "4").intersection(r("In", "2", "4", "8")).sortedValues(), ["4", "8"]);
    assert.deepEqual(r("Lte", "4").intersection(r("In", "2", "4", "8")).sortedValues(), ["2", "4"]);
    assert.equal(r("Gte", "4").intersection(r("Lte", "4")).has("4"), true);
    assert.equal(r("Gte", "5").intersection(r("Lte", "4")).size, 0);
  });
  test("Gte ∩ Gt keeps the tighter bound", () => {
    assert.equal(r("Gte", "4").intersection(r("Gt", "4")).has("4"), false);
    assert.equal(r("Gte", "4").intersection(r("Gt", "2")).has("3"), false);
  });
  test("Gte and Lte read back as the equivalent Gt and Lt, Gte 0 as itself", () => {
    assert.deepEqual(r("Gte", "4").intersection(r("Lte", "8")).toSpecs(), [
      { key: "k", operator: "Gt", values: ["3"] },
      { key: "k", operator: "Lt", values: ["9"] },
    ]);
    assert.deepEqual(r("Gte", "0").toSpecs(), [{ key: "k", operator: "Gte", values: ["0"] }]);
    assert.equal(r("Gte", "0").has("0"), true);
  });
  test("a Gte whose value is not an integer matches nothing", () => assert.equal(r("Gte", "4.5").size, 0));
  test("operators read back", () => {
    assert.equal(r("In", "a").operator, "In");
    assert.equal(r("NotIn", "a").operator, "NotIn");
    assert.equal(r("Exists").operator, "Exists");
    assert.equal(r("DoesNotExist").operator, "DoesNotExist");
    assert.equal(r("Gt", "3").operator, "Gt");
    assert.equal(r("Lt", "3").operator, "Lt");
  });
  test("minValues is kept through intersection (the larger wins)", () => {
    const a = Requirement.create("k", "In", ["a", "b", "c"], 2);
    const b = Requirement.create("k", "Exists", [], 3);
    assert.equal(a.intersection(b).minValues, 3);
  });
  test("specs round-trip", () => {
    assert.deepEqual(r("In", "b", "a").toSpecs(), [{ key: "k", operator: "In", values: ["a", "b"] }]);
    assert.deepEqual(r("Gt", "3").intersection(r("Lt", "9")).toSpecs(), [
      { key: "k", operator: "Gt", values: ["3"] },
      { key: "k", operator: "Lt", values: ["9"] },
    ]);
  });
  test("rejects an unknown operator", () => assert.throws(() => r("Near", "x"), /unknown requirement operator "Near"/));
});

describe("Requirements.compatible (Karpenter's semantics)", () => {
  const node = set(["topology.kubernetes.io/zone", "In", "a", "b"], ["team", "In", "x"]);
  test("a well-known label the node side does not define is allowed when well-known labels may be undefined", () => {
    assert.equal(node.compatible(set(["kubernetes.io/arch", "In", "arm64"]), WellKnownLabels), undefined);
  });
  test("… but not for a real node whose labels are exact", () => {
    assert.match(node.compatible(set(["kubernetes.io/arch", "In", "arm64"])) ?? "", /does not have known values/);
  });
  test("a custom label the node does not define is refused", () => {
    assert.match(node.compatible(set(["other", "In", "y"]), WellKnownLabels) ?? "", /label other does not have known values/);
  });
  test("NotIn or DoesNotExist on an undefined custom label is fine", () => {
    assert.equal(node.compatible(set(["other", "NotIn", "y"]), WellKnownLabels), undefined);
    assert.equal(node.compatible(set(["other", "DoesNotExist"]), WellKnownLabels), undefined);
  });
  test("Exists on an undefined custom label is refused", () => assert.notEqual(node.compatible(set(["other", "Exists"]), WellKnownLabels), undefined));
  test("defined on both sides, the values must intersect", () => {
    assert.equal(node.compatible(set(["topology.kubernetes.io/zone", "In", "b", "c"]), WellKnownLabels), undefined);
    assert.match(node.compatible(set(["topology.kubernetes.io/zone", "In", "c"]), WellKnownLabels) ?? "", /zone In \[c\] not in .*zone In \[a, b\]/);
  });
  test("two absence-satisfied requirements are compatible even with no common value", () => {
    assert.equal(set(["k", "DoesNotExist"]).compatible(set(["k", "NotIn", "a"])), undefined);
    assert.equal(set(["k", "DoesNotExist"]).compatible(set(["k", "DoesNotExist"])), undefined);
  });
  test("deprecated label keys are normalized", () => {
    const pod = Requirements.fromLabels({ "failure-domain.beta.kubernetes.io/zone": "a" });
    assert.equal(node.compatible(pod, WellKnownLabels), undefined);
    assert.ok(pod.has("topology.kubernetes.io/zone"));
  });
  test("a node selector term with matchFields on metadata.name", () => {
    const term = Requirements.fromNodeSelectorTerm({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] });
    assert.ok(term.has("metadata.name"));
  });
  test("labels() gives single-valued In requirements", () => {
    assert.deepEqual(node.labels(), { team: "x" });
  });
});

describe("labelsMatch (a real node's labels)", () => {
  const labels = { zone: "a", cpu: "8" };
  test("In, NotIn, Exists, DoesNotExist, Gt, Lt", () => {
    assert.ok(labelsMatch(labels, set(["zone", "In", "a"])));
    assert.ok(!labelsMatch(labels, set(["zone", "NotIn", "a"])));
    assert.ok(labelsMatch(labels, set(["missing", "NotIn", "a"])));
    assert.ok(labelsMatch(labels, set(["zone", "Exists"])));
    assert.ok(!labelsMatch(labels, set(["missing", "Exists"])));
    assert.ok(labelsMatch(labels, set(["missing", "DoesNotExist"])));
    assert.ok(labelsMatch(labels, set(["cpu", "Gt", "4"])));
    assert.ok(!labelsMatch(labels, set(["cpu", "Lt", "4"])));
    assert.ok(!labelsMatch(labels, set(["missing", "Gt", "4"])));
    assert.ok(labelsMatch(labels, set(["cpu", "Gte", labels.cpu!])));
    assert.ok(labelsMatch(labels, set(["cpu", "Lte", labels.cpu!])));
  });
});
