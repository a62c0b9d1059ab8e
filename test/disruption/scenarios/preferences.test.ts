// PREFERENCE_POLICY in consolidation: the simulations schedule pods as the provisioner would, so a
// preference the provisioner would hold shapes the command, and Ignore leaves it out.
import { type DisruptionScenario, expectCommand, scenarios } from "../../kit/disruption-expect.js";
import assert from "node:assert/strict";
import { clusterInput, managedNode, nodePool, pod, standardSizes } from "../../kit/disruption.js";

const { c8 } = standardSizes();
const pool = nodePool("p", { budgets: [{ nodes: "100%" }] });
const Zone = "topology.kubernetes.io/zone";
/** Node "a" (us-east-1a) is full; node "b" (us-east-1b) holds one small pod that prefers us-east-1b. */
const prefersZone = () =>
  clusterInput({
    pools: [pool],
    nodes: [managedNode("a", { pool, type: c8, zone: "us-east-1a" }), managedNode("b", { pool, type: c8, zone: "us-east-1b" })],
    pods: [
      pod("busy", { node: "a", cpu: "7500m" }),
      pod("web", { node: "b", cpu: "1", affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: Zone, operator: "In", values: ["us-east-1b"] }] } }] } } }),
    ],
  });

const list: DisruptionScenario[] = [
  {
    name: "Respect: the cheaper replacement is planned in the zone the pod prefers",
    input: prefersZone,
    opts: { methods: ["single"], scheduling: { ignorePreferences: false } },
    expect: (plan) => {
      expectCommand(plan, "single", ["b"], "replace");
      assert.deepEqual(plan.command!.replacements.flatMap((r) => r.planned.zones), ["us-east-1b"]);
    },
  },
  {
    name: "Ignore: the replacement may go to any zone",
    input: prefersZone,
    opts: { methods: ["single"], scheduling: { ignorePreferences: true } },
    expect: (plan) => {
      expectCommand(plan, "single", ["b"], "replace");
      assert.ok(plan.command!.replacements.flatMap((r) => r.planned.zones).length > 1);
    },
  },
];

scenarios("disruption scenarios: preference policy", list);
