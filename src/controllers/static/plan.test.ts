import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { type NodePool, NodePoolSchema } from "../../apis/nodepool.js";
import { type StaticClaim, planStatic } from "./plan.js";

function pool(replicas: number, limitNodes?: string): NodePool {
  return NodePoolSchema.parse({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: "fixed" },
    spec: {
      replicas,
      ...(limitNodes !== undefined ? { limits: { nodes: limitNodes } } : {}),
      template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } },
    },
  });
}

interface ClaimOpts {
  launched?: boolean;
  pods?: number;
  doNotDisrupt?: boolean;
  deleting?: boolean;
  disrupting?: boolean;
  created?: string;
}

function claim(name: string, o: ClaimOpts = {}): StaticClaim {
  const at = "2026-12-01T00:00:00Z";
  const c: NodeClaim = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, creationTimestamp: o.created ?? at, ...(o.deleting ? { deletionTimestamp: at } : {}) },
    spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
    status: {
      ...(o.launched === false ? {} : { providerID: `fake://${name}` }),
      conditions: o.disrupting ? [{ type: "DisruptionReason", status: "True", reason: "Drifted", message: "", lastTransitionTime: at }] : [],
    },
  };
  return { claim: c, pods: o.pods ?? 0, doNotDisrupt: o.doNotDisrupt ?? false };
}

const names = (cs: NodeClaim[]) => cs.map((c) => c.metadata.name);

describe("planStatic", () => {
  const cases: { name: string; pool: NodePool; claims: StaticClaim[]; create: number; delete: string[]; limited?: RegExp }[] = [
    { name: "an empty pool of 3 creates 3", pool: pool(3), claims: [], create: 3, delete: [] },
    { name: "a pool at its count does nothing", pool: pool(2), claims: [claim("a"), claim("b")], create: 0, delete: [] },
    { name: "replicas 0 with none does nothing", pool: pool(0), claims: [], create: 0, delete: [] },
    { name: "a claim being deleted is replaced", pool: pool(2), claims: [claim("a"), claim("b", { deleting: true })], create: 1, delete: [] },
    {
      name: "a claim disruption is replacing holds its place: no second replacement",
      pool: pool(2),
      claims: [claim("a"), claim("b", { disrupting: true })],
      create: 0,
      delete: [],
    },
    {
      name: "the replacement of a disrupting claim is not a surplus",
      pool: pool(2),
      claims: [claim("a"), claim("b", { disrupting: true }), claim("b-replacement", { launched: false })],
      create: 0,
      delete: [],
    },
    { name: "limits.nodes caps the count", pool: pool(5, "3"), claims: [claim("a")], create: 2, delete: [], limited: /limits.nodes 3 allows 2 of the 4/ },
    { name: "deleting claims still count against limits.nodes", pool: pool(3, "3"), claims: [claim("a"), claim("b"), claim("c", { deleting: true })], create: 0, delete: [], limited: /allows 0 of the 1/ },
    {
      name: "scale down removes unlaunched first, then empty, then the fewest pods, do-not-disrupt last",
      pool: pool(1),
      claims: [claim("busy", { pods: 5 }), claim("guarded", { pods: 1, doNotDisrupt: true }), claim("light", { pods: 1 }), claim("empty"), claim("pending", { launched: false })],
      create: 0,
      delete: ["pending", "empty", "light", "busy"],
    },
    {
      name: "among empty nodes the newest goes first",
      pool: pool(1),
      claims: [claim("old", { created: "2026-11-01T00:00:00Z" }), claim("new", { created: "2026-12-02T00:00:00Z" })],
      create: 0,
      delete: ["new"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planStatic(c.pool, c.claims);
      assert.equal(plan.create, c.create, plan.reason);
      assert.deepEqual(names(plan.delete), c.delete);
      if (c.limited) assert.match(plan.limited ?? "", c.limited);
      else assert.equal(plan.limited, undefined);
      // Never both grows and shrinks; never deletes a claim already deleting.
      assert.ok(plan.create === 0 || plan.delete.length === 0);
      assert.ok(plan.delete.every((d) => d.metadata.deletionTimestamp === undefined));
    });
  }
});
