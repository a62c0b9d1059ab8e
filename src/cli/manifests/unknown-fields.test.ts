import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { NodePoolSchema } from "../../apis/nodepool.js";
import { unknownFields } from "./unknown-fields.js";

describe("unknownFields", () => {
  const schema = z.object({
    spec: z.object({ items: z.array(z.object({ a: z.string() })).optional(), opt: z.object({ b: z.number() }).default({ b: 1 }) }),
    meta: z.looseObject({ name: z.string() }),
    labels: z.record(z.string(), z.object({ v: z.string() })).optional(),
  });

  it("finds fields the schema does not define, at any depth, through arrays, records and wrappers", () => {
    const value = { spec: { items: [{ a: "x", extra: 1 }], opt: { b: 2, c: 3 }, typo: true }, meta: { name: "n", anything: 1 }, labels: { k: { v: "1", w: "2" } } };
    assert.deepEqual(unknownFields(schema, value).sort(), ["labels.k.w", "spec.items[0].extra", "spec.opt.c", "spec.typo"]);
  });

  it("accepts anything in loose objects and finds nothing in a valid NodePool", () => {
    const np = {
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name: "x", managedFields: [{}], resourceVersion: "1" },
      spec: { template: { spec: { requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "d" } } }, limits: { cpu: 10 } },
    };
    assert.deepEqual(unknownFields(NodePoolSchema, np), []);
    (np.spec.template.spec as Record<string, unknown>).requirments = [];
    assert.deepEqual(unknownFields(NodePoolSchema, np), ["spec.template.spec.requirments"]);
  });

  it("reports prototype names as unknown fields instead of walking into Object.prototype", () => {
    // Found by the simulate property test: `spec: {"__proto__": ""}` ended in an internal error.
    const value = JSON.parse('{"spec":{"__proto__":"","constructor":1,"toString":2}}') as unknown;
    assert.deepEqual(unknownFields(NodePoolSchema, value).sort(), ["spec.__proto__", "spec.constructor", "spec.toString"]);
  });
});
