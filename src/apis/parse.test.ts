import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError, formatPath, parseEC2NodeClass, parseNodePool } from "./parse.js";

const nodePool = (requirements: unknown[]) => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "spot" },
  spec: { template: { spec: { requirements, nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } } },
});

describe("parse", () => {
  it("applies Karpenter's defaults", () => {
    const np = parseNodePool(nodePool([]));
    assert.equal(np.spec.template.spec.expireAfter, "720h");
    assert.deepEqual(np.spec.disruption, { consolidateAfter: "0s", consolidationPolicy: "WhenEmptyOrUnderutilized", budgets: [{ nodes: "10%" }] });
  });

  it("names the file, the object and the field of every problem", () => {
    assert.throws(
      () => parseNodePool(nodePool([{ key: "karpenter.sh/custom", operator: "In", values: [] }]), "pools.yaml"),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.match(err.message, /^pools\.yaml: NodePool "spot" is invalid:/);
        assert.match(err.message, /spec\.template\.spec\.requirements\[0\]\.key: label domain "karpenter\.sh" is restricted/);
        assert.match(err.message, /spec\.template\.spec\.requirements: requirements with operator 'In' must have a value defined/);
        return true;
      },
    );
  });

  // The CRD's quantity pattern admits "1e1.5" (an exponent with a fraction); no Kubernetes component
  // can read it, so tenon refuses it at parse time, naming the field, instead of throwing in the solver.
  for (const limit of ["1e1.5", "1e", "1.5.5Gi"]) {
    it(`refuses limits.cpu ${JSON.stringify(limit)}, naming the field`, () => {
      const raw = { ...nodePool([]), spec: { ...nodePool([]).spec, limits: { cpu: limit } } };
      assert.throws(() => parseNodePool(raw), /spec\.limits\.cpu: (is not a quantity Kubernetes can read|must be a Kubernetes quantity)/);
    });
  }
  it("takes huge but readable quantities and integers", () => {
    const raw = { ...nodePool([]), spec: { ...nodePool([]).spec, limits: { cpu: "1e999999999", memory: 1000 } } };
    assert.deepEqual(parseNodePool(raw).spec.limits, { cpu: "1e999999999", memory: 1000 });
  });

  it("refuses an EC2NodeClass with both role and instanceProfile", () => {
    const nc = {
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: { name: "default" },
      spec: { role: "r", instanceProfile: "p", amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ id: "subnet-1" }], securityGroupSelectorTerms: [{ id: "sg-1" }] },
    };
    assert.throws(() => parseEC2NodeClass(nc), /spec: must specify exactly one of \['role', 'instanceProfile'\]/);
  });

  it("defaults metadataOptions like Karpenter", () => {
    const nc = parseEC2NodeClass({
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: { name: "default" },
      spec: { role: "r", amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ id: "subnet-1" }], securityGroupSelectorTerms: [{ id: "sg-1" }] },
    });
    assert.deepEqual(nc.spec.metadataOptions, { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
  });

  it("formats paths as kubectl does", () => {
    assert.equal(formatPath(["spec", "requirements", 0, "key"]), "spec.requirements[0].key");
  });
});
