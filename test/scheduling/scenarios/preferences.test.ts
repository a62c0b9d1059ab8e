// Preferences are honoured when they can be, and relaxed one at a time when not, in Karpenter's order:
// by kind (required OR-terms, pod affinity, pod anti-affinity, node affinity, ScheduleAnyway spreads,
// PreferNoSchedule taints), heaviest term first.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Affinity, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { type Scenario, claimLabel, existingNode, input, pod, pods, solveChecked } from "../../kit/scheduling.js";

const Zone = "topology.kubernetes.io/zone";
const preferZone = (zone: string, weight: number) => ({ weight, preference: { matchExpressions: [{ key: Zone, operator: "In", values: [zone] }] } });
const prefer = (...terms: ReturnType<typeof preferZone>[]): V1Affinity => ({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } });
const Hostname = "kubernetes.io/hostname";
const Family = "karpenter.k8s.aws/instance-family";
const antiTerm = (topologyKey: string, weight: number, app = "web") => ({ weight, podAffinityTerm: { topologyKey, labelSelector: { matchLabels: { app } } } });
const required = (...zones: string[][]): V1Affinity => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: zones.map((values) => ({ matchExpressions: [{ key: Zone, operator: "In", values }] })) } },
});
const spread = (topologyKey: string): V1TopologySpreadConstraint => ({ topologyKey, maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "a" } } });
const benchmarkAffinity: V1Affinity = {
  nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [preferZone("zone-a", 1)] },
  podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [antiTerm(Zone, 10, "nginx"), antiTerm(Hostname, 1, "nginx")] },
};

const scenarios: Scenario[] = [
  {
    name: "a satisfiable node preference is honoured",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: prefer(preferZone("zone-c", 10)) })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "an unsatisfiable node preference is dropped",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: prefer(preferZone("mars", 10)) })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "two conflicting preferences: the lighter one is dropped first",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: prefer(preferZone("zone-a", 1), preferZone("zone-b", 50)) })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-b"),
  },
  {
    name: "only the heaviest preferred node affinity term is held at a time, as in Karpenter",
    input: () =>
      input({
        pods: [
          pod("a", {
            cpu: "1",
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: Family, operator: "In", values: ["m5"] }] } }, preferZone("zone-b", 10)],
              },
            },
          }),
        ],
      }),
    expect: (r) => {
      assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-b");
      assert.ok(!r.nodeClaims[0]!.requirements.some((q) => q.key === Family), "the lighter family preference is not applied");
    },
  },
  {
    name: "a preference does not override a requirement",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { [Zone]: "zone-a" }, affinity: prefer(preferZone("zone-b", 100)) })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-a"),
  },
  {
    name: "preferences are ignored when asked",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: prefer(preferZone("zone-c", 10)) })], ignorePreferences: true }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.zones.length, 3),
  },
  {
    name: "a preference that sends the pod to a new node beats an existing node without it",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: prefer(preferZone("zone-c", 10)) })], nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" } })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "an existing node that meets the preference is used",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: prefer(preferZone("zone-a", 10)) })], nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" } })] }),
    expect: (r) => assert.equal(r.existingNodes.length, 1),
  },
  {
    // Karpenter's "respect preferences" benchmark pods. Pod anti-affinity is relaxed before node
    // affinity, and its heaviest term (zone) first: every pod after the first keeps its zone-a
    // preference and its hostname anti-affinity, so each gets a node of its own in zone-a.
    name: "the benchmark's preference pods: the zone anti-affinity goes first, the hostname one and the zone preference are kept",
    input: () => input({ pods: pods(30, "nginx", { cpu: "500m", labels: { app: "nginx" }, affinity: benchmarkAffinity }) }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.equal(r.nodeClaims.length, 30);
      assert.ok(r.nodeClaims.every((c) => claimLabel(c, Zone) === "zone-a" && c.pods.length === 1));
    },
  },
  {
    name: "the heaviest pod anti-affinity term is relaxed first: the lighter hostname term still spreads the pods one a node",
    input: () =>
      input({
        pods: pods(8, "web", {
          cpu: "500m",
          labels: { app: "web" },
          affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [antiTerm(Zone, 10), antiTerm(Hostname, 1)] } },
        }),
      }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 8);
      assert.equal(new Set(r.nodeClaims.map((c) => claimLabel(c, Zone))).size, 3, "the first three took one zone each");
    },
  },
  {
    name: "pod anti-affinity is relaxed before node affinity, whatever their weights",
    input: () =>
      input({
        pods: pods(4, "web", {
          cpu: "500m",
          labels: { app: "web" },
          affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [preferZone("zone-b", 1)] }, podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [antiTerm(Zone, 100)] } },
        }),
      }),
    expect: (r) => {
      // The zone anti-affinity (weight 100) goes, the zone-b preference (weight 1) stays.
      assert.ok(r.nodeClaims.every((c) => claimLabel(c, Zone) === "zone-b"));
      assert.equal(r.nodeClaims.reduce((n, c) => n + c.pods.length, 0), 4);
    },
  },
  {
    name: "under PREFERENCE_POLICY=Ignore a hostname anti-affinity preference does not spread the pods",
    input: () =>
      input({
        pods: pods(8, "web", { cpu: "500m", labels: { app: "web" }, affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [antiTerm(Hostname, 1)] } } }),
        ignorePreferences: true,
      }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "required terms are tried in turn before preferences are dropped",
    input: () =>
      input({
        pods: [
          pod("a", {
            cpu: "1",
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: Zone, operator: "In", values: ["zone-a"] }] }, { matchExpressions: [{ key: Zone, operator: "In", values: ["zone-b", "zone-c"] }] }],
                },
                preferredDuringSchedulingIgnoredDuringExecution: [preferZone("zone-c", 10)],
              },
            },
          }),
        ],
      }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "the first required term is tried first even when a later one also fits",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: required(["zone-b"], ["zone-a"]) })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-b"),
  },
  {
    name: "a required term that cannot be met gives way to the next",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: required(["mars"], ["zone-c"]) })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "the message says which preferences were relaxed",
    input: () => input({ pods: [pod("a", { cpu: "100", affinity: prefer(preferZone("zone-a", 3)) })] }),
    expect: (r) => assert.match(r.unschedulable[0]!.message, /preferences relaxed: preferred node affinity \[0\] \(weight 3\)/),
  },
  {
    name: "relaxation goes by kind, heaviest first, spreads in Karpenter's swap-remove order",
    input: () =>
      input({
        pods: [
          pod("a", {
            cpu: "100",
            labels: { app: "a" },
            affinity: {
              nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [preferZone("zone-a", 1), preferZone("zone-b", 7)] },
              podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 2, podAffinityTerm: { topologyKey: Zone, labelSelector: { matchLabels: { app: "a" } } } }] },
              podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [antiTerm(Zone, 1, "a"), antiTerm(Hostname, 9, "a")] },
            },
            spread: [spread(Zone), spread(Hostname), spread("kubernetes.io/arch")],
          }),
        ],
      }),
    expect: (r) => {
      const relaxed = /preferences relaxed: (.*)\)$/.exec(r.unschedulable[0]!.message)![1]!.split("; ");
      assert.deepEqual(
        relaxed.map((x) => /^(.*?\[\d\])/.exec(x)![1]),
        [
          "preferred pod affinity [0]",
          "preferred pod anti-affinity [1]",
          "preferred pod anti-affinity [0]",
          "preferred node affinity [1]",
          "preferred node affinity [0]",
          "ScheduleAnyway topology spread [0]",
          "ScheduleAnyway topology spread [2]",
          "ScheduleAnyway topology spread [1]",
        ],
      );
    },
  },
];

describe("scenarios: preferences", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
