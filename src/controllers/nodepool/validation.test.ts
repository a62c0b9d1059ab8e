import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateNodePool } from "./validation.js";

const supported = [{ group: "karpenter.k8s.aws", kind: "EC2NodeClass" }];

function raw(spec: Record<string, unknown> = {}, nodeClassRef: Record<string, string> = { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }) {
  return { apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: "p" }, spec: { template: { spec: { requirements: [], nodeClassRef, ...spec } } } };
}

describe("validateNodePool", () => {
  it("accepts a plain pool", () => {
    const v = validateNodePool(raw(), supported);
    assert.equal(v.ok, true);
  });

  it("reports schema problems with their field (an object admitted under an older CRD)", () => {
    const v = validateNodePool(raw({ requirements: [{ key: "kubernetes.io/hostname", operator: "In", values: ["a"] }] }), supported);
    assert.equal(v.ok, false);
    assert.ok(!v.ok && v.problems.includes('spec.template.spec.requirements[0].key: label "kubernetes.io/hostname" is restricted'));
  });

  it("refuses a node class kind the cloud provider does not read", () => {
    const v = validateNodePool(raw({}, { group: "example.com", kind: "OtherNodeClass", name: "x" }), supported);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.problems[0]! : "", /^spec\.template\.spec\.nodeClassRef: example\.com\/OtherNodeClass is not a node class this cloud provider reads; use karpenter\.k8s\.aws\/EC2NodeClass$/);
  });

  it("finds duplicate taints and requirements that contradict the template labels", () => {
    const v = validateNodePool(
      {
        ...raw({ taints: [{ key: "a", effect: "NoSchedule" }, { key: "a", value: "x", effect: "NoSchedule" }], requirements: [{ key: "team", operator: "NotIn", values: ["x"] }] }),
        spec: {
          template: {
            metadata: { labels: { team: "x" } },
            spec: { requirements: [{ key: "team", operator: "NotIn", values: ["x"] }], taints: [{ key: "a", effect: "NoSchedule" }, { key: "a", value: "x", effect: "NoSchedule" }], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "d" } },
          },
        },
      },
      supported,
    );
    assert.equal(v.ok, false);
    const problems = !v.ok ? v.problems : [];
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^spec\.template\.spec\.taints\[1\]: duplicate taint key\/effect pair a:NoSchedule \(also at spec\.template\.spec\.taints\[0\]\)/);
    assert.match(problems[1]!, /^spec\.template\.spec\.requirements\[0\]: team NotIn \[x\] contradicts the template label team=x/);
  });
});
