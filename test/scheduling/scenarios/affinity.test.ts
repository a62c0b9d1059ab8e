// Required and preferred pod affinity / anti-affinity, both directions, namespaces.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1PodAffinityTerm } from "@kubernetes/client-node";
import { type Scenario, catalog, claimLabel, claimOf, existingNode, input, nodePool, pod, pods, podsByHost, solveChecked } from "../../kit/scheduling.js";

const Zone = "topology.kubernetes.io/zone";
const Host = "kubernetes.io/hostname";
const term = (key: string, labels: Record<string, string>, extra: Partial<V1PodAffinityTerm> = {}): V1PodAffinityTerm => ({ topologyKey: key, labelSelector: { matchLabels: labels }, ...extra });
const affinity = (t: V1PodAffinityTerm) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } });
const anti = (t: V1PodAffinityTerm) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } });
const dbNode = (zone = "zone-b", name = "db-node") => existingNode(name, { labels: { [Zone]: zone }, cpu: 1, pods: [pod("db", { labels: { app: "db" } })] });

const scenarios: Scenario[] = [
  {
    name: "zone affinity to a running pod puts the new pod in that zone",
    input: () => input({ pods: [pod("web", { cpu: "2", affinity: affinity(term(Zone, { app: "db" })) })], nodes: [dbNode()] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-b"),
  },
  {
    name: "hostname affinity to a running pod puts the new pod on that node",
    input: () => input({ pods: [pod("web", { cpu: "100m", affinity: affinity(term(Host, { app: "db" })) })], nodes: [existingNode("db-node", { pods: [pod("db", { labels: { app: "db" } })] }), existingNode("other")] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["db-node"]),
  },
  {
    name: "hostname affinity to a pod on a full node cannot be met",
    input: () => input({ pods: [pod("web", { cpu: "2", affinity: affinity(term(Host, { app: "db" })) })], nodes: [existingNode("db-node", { cpu: 1, pods: [pod("db", { labels: { app: "db" } })] })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.ok(r.unschedulable[0]!.reasons.some((x) => x.constraint === "affinity"));
    },
  },
  {
    name: "affinity to pods that match nowhere cannot be met, and says so",
    input: () => input({ pods: [pod("web", { cpu: "1", affinity: affinity(term(Zone, { app: "db" })) })] }),
    expect: (r) => {
      assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "affinity");
      assert.match(r.unschedulable[0]!.message, /no pod matches yet and the pod does not match its own term/);
    },
  },
  {
    name: "the first pod of a self-affine group may go anywhere; the rest follow it",
    input: () => input({ pods: pods(4, "cache", { cpu: "1", labels: { app: "cache" }, affinity: affinity(term(Zone, { app: "cache" })) }) }),
    expect: (r) => {
      const zones = new Set(r.nodeClaims.map((c) => claimLabel(c, Zone)));
      assert.equal(zones.size, 1);
      assert.equal(r.unschedulable.length, 0);
    },
  },
  {
    name: "self-affinity on hostname: all on one node",
    input: () => input({ pods: pods(3, "cache", { cpu: "1", labels: { app: "cache" }, affinity: affinity(term(Host, { app: "cache" })) }) }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "a pod waiting for a pending pod it is affine to is placed once that pod is",
    input: () => input({ pods: [pod("web", { cpu: "1", affinity: affinity(term(Zone, { app: "db" })) }), pod("db", { cpu: "2", labels: { app: "db" }, nodeSelector: { [Zone]: "zone-c" } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.equal(claimLabel(claimOf(r, "web")!, Zone), "zone-c");
    },
  },
  {
    name: "hostname anti-affinity to itself: one pod per node",
    input: () => input({ pods: pods(4, "web", { cpu: "500m", labels: { app: "web" }, affinity: anti(term(Host, { app: "web" })) }) }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 4);
      assert.ok([...podsByHost(r).values()].every((ps) => ps.length === 1));
    },
  },
  {
    name: "hostname anti-affinity leaves room for other pods on each node",
    input: () => input({ pods: [...pods(3, "web", { cpu: "500m", labels: { app: "web" }, affinity: anti(term(Host, { app: "web" })) }), ...pods(3, "other", { cpu: "500m" })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 3),
  },
  {
    name: "zone anti-affinity to itself: at most one per zone, the fourth cannot go",
    input: () => input({ pods: pods(4, "web", { cpu: "500m", labels: { app: "web" }, affinity: anti(term(Zone, { app: "web" })) }) }),
    expect: (r) => {
      assert.deepEqual(r.nodeClaims.map((c) => claimLabel(c, Zone)).sort(), ["zone-a", "zone-b", "zone-c"]);
      assert.equal(r.unschedulable.length, 1);
      assert.equal(r.unschedulable[0]!.reasons.find((x) => x.nodePool)!.constraint, "antiAffinity");
    },
  },
  {
    name: "anti-affinity to running pods avoids their zone",
    input: () => input({ pods: [pod("web", { cpu: "1", affinity: anti(term(Zone, { app: "db" })), nodeSelector: { [Zone]: "zone-b" } })], nodes: [dbNode("zone-b")] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.match(r.unschedulable[0]!.message, /pod anti-affinity on topology\.kubernetes\.io\/zone/);
    },
  },
  {
    name: "a running pod's anti-affinity keeps matching new pods out of its node (the other direction)",
    input: () =>
      input({
        pods: [pod("web", { cpu: "100m", labels: { app: "web" } })],
        nodes: [existingNode("n1", { pods: [pod("loner", { labels: { app: "loner" }, affinity: anti(term(Host, { app: "web" })) })] })],
      }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "… which on a zone key keeps them out of the zone",
    input: () =>
      input({
        pods: [pod("web", { cpu: "100m", labels: { app: "web" }, nodeSelector: { [Zone]: "zone-a" } })],
        nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" }, pods: [pod("loner", { labels: { app: "loner" }, affinity: anti(term(Zone, { app: "web" })) })] })],
      }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.ok(r.unschedulable[0]!.reasons.some((x) => x.constraint === "antiAffinity"));
    },
  },
  {
    name: "a pending pod's anti-affinity keeps pods it selects off its planned node",
    input: () => input({ pods: [pod("loner", { cpu: "2", labels: { app: "loner" }, affinity: anti(term(Host, { app: "web" })) }), ...pods(3, "web", { cpu: "100m", labels: { app: "web" } })] }),
    expect: (r) => {
      const loner = claimOf(r, "loner")!;
      assert.ok(loner.pods.every((p) => p.metadata!.labels!.app !== "web"));
    },
  },
  {
    name: "a running pod's preferred anti-affinity does not block others (kube only enforces required)",
    input: () =>
      input({
        pods: [pod("web", { cpu: "100m", labels: { app: "web" } })],
        nodes: [existingNode("n1", { pods: [pod("shy", { labels: { app: "shy" }, affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term(Host, { app: "web" }) }] } } })] })],
      }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "anti-affinity only looks at the pod's namespace by default",
    input: () => input({ pods: [pod("web", { cpu: "100m", namespace: "team-a", affinity: anti(term(Host, { app: "db" })) })], nodes: [existingNode("n1", { pods: [pod("db", { namespace: "team-b", labels: { app: "db" } })] })] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "a term's namespaces list widens it",
    input: () =>
      input({ pods: [pod("web", { cpu: "100m", namespace: "team-a", affinity: anti(term(Host, { app: "db" }, { namespaces: ["team-b"] })) })], nodes: [existingNode("n1", { pods: [pod("db", { namespace: "team-b", labels: { app: "db" } })] })] }),
    expect: (r) => assert.equal(r.existingNodes.length, 0),
  },
  {
    name: "a namespaceSelector picks namespaces by their labels",
    input: () =>
      input({
        pods: [pod("web", { cpu: "100m", namespace: "team-a", affinity: anti(term(Host, { app: "db" }, { namespaceSelector: { matchLabels: { tier: "data" } } })) })],
        nodes: [existingNode("n1", { pods: [pod("db", { namespace: "team-b", labels: { app: "db" } })] })],
        namespaces: { "team-b": { tier: "data" } },
      }),
    expect: (r) => assert.equal(r.existingNodes.length, 0),
  },
  {
    name: "an empty namespaceSelector means all namespaces",
    input: () =>
      input({ pods: [pod("web", { cpu: "100m", namespace: "team-a", affinity: anti(term(Host, { app: "db" }, { namespaceSelector: {} })) })], nodes: [existingNode("n1", { pods: [pod("db", { namespace: "team-z", labels: { app: "db" } })] })] }),
    expect: (r) => assert.equal(r.existingNodes.length, 0),
  },
  {
    name: "affinity across namespaces follows the term's namespaces",
    input: () =>
      input({
        pods: [pod("web", { cpu: "2", namespace: "team-a", affinity: affinity(term(Zone, { app: "db" }, { namespaces: ["team-b"] })) })],
        nodes: [existingNode("db-node", { labels: { [Zone]: "zone-c" }, cpu: 1, pods: [pod("db", { namespace: "team-b", labels: { app: "db" } })] })],
      }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "preferred zone anti-affinity spreads while it can, then packs",
    input: () =>
      input({
        pods: pods(6, "web", { cpu: "500m", labels: { app: "web" }, affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term(Zone, { app: "web" }) }] } } }),
      }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.equal(new Set(r.nodeClaims.map((c) => claimLabel(c, Zone))).size, 3);
    },
  },
  {
    name: "preferred affinity joins the preferred pod's zone when it can",
    input: () => input({ pods: [pod("web", { cpu: "2", affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term(Zone, { app: "db" }) }] } } })], nodes: [dbNode("zone-c")] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "preferred affinity to nothing is dropped",
    input: () => input({ pods: [pod("web", { cpu: "1", affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term(Zone, { app: "db" }) }] } } })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "matchLabelKeys in an anti-affinity term: each revision avoids only itself",
    input: () =>
      input({
        pods: pods(2, "web", { cpu: "100m", labels: { app: "web", rev: "2" }, affinity: anti(term(Host, { app: "web" }, { matchLabelKeys: ["rev"] })) }),
        nodes: [existingNode("n1", { pods: [pod("old", { labels: { app: "web", rev: "1" } })] })],
      }),
    expect: (r) => {
      assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]);
      assert.equal(r.existingNodes[0]!.pods.length, 1);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "mismatchLabelKeys: avoid pods of other tenants only",
    input: () =>
      input({
        pods: [pod("web", { cpu: "100m", labels: { tenant: "a" }, affinity: anti(term(Host, {}, { labelSelector: { matchExpressions: [{ key: "tenant", operator: "Exists" }] }, mismatchLabelKeys: ["tenant"] })) })],
        nodes: [existingNode("n-a", { pods: [pod("a0", { labels: { tenant: "a" } })] }), existingNode("n-b", { pods: [pod("b0", { labels: { tenant: "b" } })] })],
      }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n-a"]),
  },
  {
    name: "anti-affinity on a key the nodes lack is no constraint",
    input: () => input({ pods: pods(3, "web", { cpu: "100m", labels: { app: "web" }, affinity: anti(term("rack", { app: "web" })) }) }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "affinity on a key the nodes lack cannot be met",
    input: () => input({ pods: [pod("web", { cpu: "100m", labels: { app: "web" }, affinity: affinity(term("rack", { app: "web" })) })] }),
    expect: (r) => assert.equal(r.unschedulable.length, 1),
  },
  {
    name: "anti-affinity against a NodePool's capacity type",
    input: () =>
      input({
        pods: pods(2, "web", { cpu: "100m", labels: { app: "web" }, affinity: anti(term("karpenter.sh/capacity-type", { app: "web" })) }),
        pools: [nodePool("default", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }] })],
        types: catalog({ capacityTypes: ["spot", "on-demand"] }),
      }),
    expect: (r) => assert.deepEqual(r.nodeClaims.map((c) => claimLabel(c, "karpenter.sh/capacity-type")).sort(), ["on-demand", "spot"]),
  },
];

describe("scenarios: pod affinity and anti-affinity", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
