import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { type NodeClaim, parseNodeClaim } from "../../apis/index.js";
import { InFlightClaims, type InFlightView, UNSEEN_CLAIM_TTL_MS } from "./inflight.js";

const claim = (name: string, status?: NodeClaim["status"], deleting = false): NodeClaim =>
  parseNodeClaim({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "d" } },
    ...(status ? { status } : {}),
  });
const pod = (name: string, nodeName?: string): V1Pod => ({ metadata: { name, namespace: "ns" }, spec: { containers: [], ...(nodeName ? { nodeName } : {}) }, status: { phase: "Pending" } });

function view(claims: NodeClaim[], pods: V1Pod[], nodes: V1Node[] = []): InFlightView {
  return {
    nodeClaims: { get: (n) => claims.find((c) => c.metadata.name === n) },
    pods: { get: (n, ns) => pods.find((p) => p.metadata?.name === n && p.metadata?.namespace === ns) },
    nodes: { get: (n) => nodes.find((x) => x.metadata?.name === n) },
    nodeByProviderID: (id) => nodes.find((x) => x.spec?.providerID === id),
  };
}

describe("InFlightClaims", () => {
  it("remembers a created claim until the cache shows it, or for a minute at most", () => {
    const f = new InFlightClaims();
    f.remember(claim("a"), 0);
    f.remember(claim("b"), 0);
    f.prune(view([], []), 1000);
    assert.deepEqual(f.unseen().map((c) => c.metadata.name), ["a", "b"]);
    f.prune(view([claim("a")], []), 2000);
    assert.deepEqual(f.unseen().map((c) => c.metadata.name), ["b"]);
    f.prune(view([claim("a")], []), UNSEEN_CLAIM_TTL_MS + 1);
    assert.deepEqual(f.unseen(), []);
  });

  it("keeps nominations while the pod waits for the claim, and drops them once the cluster moved on", () => {
    const f = new InFlightClaims();
    const pods = [pod("p1"), pod("p2"), pod("p3")];
    f.remember(claim("c"), 0);
    f.nominate("c", pods);
    f.prune(view([], pods), 10);
    assert.equal(f.isNominated(pod("p1")), true, "still kept while the cache lags the create");
    // p2 bound elsewhere, p3 gone.
    f.prune(view([claim("c")], [pods[0]!, pod("p2", "n1")]), 20);
    assert.deepEqual([f.isNominated(pod("p1")), f.isNominated(pod("p2")), f.isNominated(pod("p3"))], [true, false, false]);
    // The claim's Node registered: the pod is just pending against a real node now.
    const node: V1Node = { metadata: { name: "n2" }, spec: { providerID: "aws:///z/i-1" } };
    f.prune(view([claim("c", { providerID: "aws:///z/i-1" })], pods, [node]), 30);
    assert.equal(f.isNominated(pod("p1")), false);
  });

  it("drops nominations of a claim being deleted", () => {
    const f = new InFlightClaims();
    f.nominate("c", [pod("p1")]);
    f.prune(view([claim("c", undefined, true)], [pod("p1")]), 0);
    assert.equal(f.isNominated(pod("p1")), false);
  });
});
