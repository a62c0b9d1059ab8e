// Preferences are honoured when they can be, and relaxed one at a time (lowest weight first) when not.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Affinity } from "@kubernetes/client-node";
import { type Scenario, claimLabel, existingNode, input, pod, pods, solveChecked } from "../../kit/scheduling.js";

const Zone = "topology.kubernetes.io/zone";
const preferZone = (zone: string, weight: number) => ({ weight, preference: { matchExpressions: [{ key: Zone, operator: "In", values: [zone] }] } });
const prefer = (...terms: ReturnType<typeof preferZone>[]): V1Affinity => ({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } });

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
    name: "compatible preferences are all honoured together",
    input: () =>
      input({
        pods: [
          pod("a", {
            cpu: "1",
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [preferZone("zone-b", 5), { weight: 5, preference: { matchExpressions: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] }] } }],
              },
            },
          }),
        ],
      }),
    expect: (r) => {
      assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-b");
      assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.name.startsWith("m5")));
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
    name: "the benchmark's preference pods: spread over zones while preferences hold, then packed",
    input: () =>
      input({
        pods: pods(30, "nginx", {
          cpu: "500m",
          labels: { app: "nginx" },
          affinity: {
            nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [preferZone("zone-a", 1)] },
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 10, podAffinityTerm: { topologyKey: Zone, labelSelector: { matchLabels: { app: "nginx" } } } },
                { weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "nginx" } } } },
              ],
            },
          },
        }),
      }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.equal(new Set(r.nodeClaims.map((c) => claimLabel(c, Zone))).size, 3);
      assert.ok(r.nodeClaims.length < 10, `${r.nodeClaims.length} claims`);
    },
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
    name: "the message says which preferences were relaxed",
    input: () => input({ pods: [pod("a", { cpu: "100", affinity: prefer(preferZone("zone-a", 3)) })] }),
    expect: (r) => assert.match(r.unschedulable[0]!.message, /preferences relaxed: preferred node affinity \[0\] \(weight 3\)/),
  },
];

describe("scenarios: preferences", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
