// Karpenter's node shape check: a node far smaller than its NodeClaim expected is reported.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node } from "@kubernetes/client-node";
import type { Condition } from "../../../apis/common.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { consistencyCondition, nodeShapeIssues } from "./nodeshape.js";

const initialized: Condition = { type: "Initialized", status: "True", reason: "Initialized", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" };
function claim(requests: Record<string, string>, capacity: Record<string, string>, over: { conditions?: Condition[]; deleting?: boolean } = {}): NodeClaim {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name: "c", ...(over.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, expireAfter: "720h", resources: { requests } },
    status: { providerID: "aws:///x/i-1", capacity, conditions: over.conditions ?? [initialized] },
  };
}
const node = (capacity: Record<string, string>): V1Node => ({ metadata: { name: "n" }, status: { capacity } });

describe("nodeShapeIssues", () => {
  const cases: { name: string; c: NodeClaim; n: V1Node; want: string[] }[] = [
    { name: "a node with what was expected is consistent", c: claim({ cpu: "1", memory: "1Gi" }, { cpu: "4", memory: "16Gi" }), n: node({ cpu: "4", memory: "16Gi" }), want: [] },
    { name: "90% of expected is still consistent", c: claim({ memory: "1Gi" }, { memory: "100Gi" }), n: node({ memory: "90Gi" }), want: [] },
    {
      name: "memory far below expected is an issue (Karpenter's message)",
      c: claim({ cpu: "1", memory: "1Gi" }, { cpu: "4", memory: "128Gi" }),
      n: node({ cpu: "4", memory: "64Gi" }),
      want: ["expected 128Gi of resource memory, but found 64Gi (50.0% of expected)"],
    },
    { name: "a resource missing on the node counts as zero", c: claim({ "nvidia.com/gpu": "1" }, { "nvidia.com/gpu": "1" }), n: node({}), want: ["expected 1 of resource nvidia.com/gpu, but found 0 (0.0% of expected)"] },
    { name: "only resources the claim requested are checked", c: claim({ cpu: "1" }, { cpu: "4", memory: "128Gi" }), n: node({ cpu: "4", memory: "1Gi" }), want: [] },
    { name: "a resource not expected in status.capacity is not checked", c: claim({ cpu: "1" }, {}), n: node({ cpu: "1m" }), want: [] },
    { name: "not initialized yet: not checked", c: claim({ cpu: "1" }, { cpu: "4" }, { conditions: [] }), n: node({ cpu: "1" }), want: [] },
    { name: "deleting: not checked", c: claim({ cpu: "1" }, { cpu: "4" }, { deleting: true }), n: node({ cpu: "1" }), want: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(nodeShapeIssues(c.c, c.n), c.want));
});

describe("consistencyCondition", () => {
  it("issues: False, ConsistencyCheckFailed", () => {
    assert.deepEqual(consistencyCondition(claim({}, {}), ["x"]), { type: "ConsistentStateFound", status: "False", reason: "ConsistencyCheckFailed", message: "Consistency Check Failed" });
  });
  it("clean: True, and left alone once True", () => {
    assert.deepEqual(consistencyCondition(claim({}, {}), []), { type: "ConsistentStateFound", status: "True", reason: "ConsistentStateFound", message: "" });
    const c = claim({}, {}, { conditions: [initialized, { type: "ConsistentStateFound", status: "True", reason: "ConsistentStateFound", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }] });
    assert.equal(consistencyCondition(c, []), undefined);
  });
  it("a False condition turns True again once the node is consistent", () => {
    const c = claim({}, {}, { conditions: [{ type: "ConsistentStateFound", status: "False", reason: "ConsistencyCheckFailed", message: "Consistency Check Failed", lastTransitionTime: "2026-01-01T00:00:00Z" }] });
    assert.equal(consistencyCondition(c, [])?.status, "True");
  });
});
