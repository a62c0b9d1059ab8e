// Karpenter's MIN_VALUES_POLICY and the Gte/Lte operators of NodePool requirements.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Scenario, input, nodePool, pod } from "../../kit/scheduling.js";
import { solveChecked } from "../../kit/check.js";

const Family = "karpenter.k8s.aws/instance-family";
const Cpu = "karpenter.k8s.aws/instance-cpu";
const families = (n: number) => ({ key: Family, operator: "In" as const, values: ["c5", "m5", "r5"], minValues: n });
const familyReq = (r: ReturnType<typeof solveChecked>) => r.nodeClaims[0]!.requirements.find((q) => q.key === Family);
const cpus = (r: ReturnType<typeof solveChecked>) => new Set(r.nodeClaims.flatMap((c) => c.instanceTypes.map((t) => t.capacity.cpu)));

const scenarios: Scenario[] = [
  {
    name: "Strict: minValues the fitting types cannot meet leaves the pod pending",
    input: () => input({ pods: [pod("a", { cpu: "12", memory: "100Gi" })], pools: [nodePool("default", { requirements: [families(2)] })], minValuesPolicy: "Strict" }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 0);
      assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "minValues");
    },
  },
  {
    name: "BestEffort: the claim is made with the families there are, its minValues lowered and marked relaxed",
    input: () => input({ pods: [pod("a", { cpu: "12", memory: "100Gi" })], pools: [nodePool("default", { requirements: [families(2)] })], minValuesPolicy: "BestEffort" }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.equal(r.nodeClaims[0]!.minValuesRelaxed, true);
      const fams = new Set(r.nodeClaims[0]!.instanceTypes.map((t) => t.name.split(".")[0]));
      assert.equal(familyReq(r)?.minValues, fams.size);
      assert.ok(fams.size < 2);
    },
  },
  {
    name: "BestEffort: minValues that can be met are met and not marked relaxed",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { requirements: [families(3)] })], minValuesPolicy: "BestEffort", maxInstanceTypes: 3 }),
    expect: (r) => {
      assert.equal(r.nodeClaims[0]!.minValuesRelaxed, false);
      assert.equal(familyReq(r)?.minValues, 3);
      assert.equal(new Set(r.nodeClaims[0]!.instanceTypes.map((t) => t.name.split(".")[0])).size, 3);
    },
  },
  {
    name: "a NodePool's Gte and Lte bound the instance types, the bound included",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { requirements: [{ key: Cpu, operator: "Gte", values: ["8"] }, { key: Cpu, operator: "Lte", values: ["16"] }] })] }),
    expect: (r) => {
      const seen = cpus(r);
      assert.ok([...seen].every((c) => c! >= 8000 && c! <= 16000), `cpus ${[...seen].join(", ")}`);
      assert.ok(seen.has(8000), "Gte includes 8");
    },
  },
  {
    name: "a NodePool's Gte meets a pod's Lt: only the values both allow",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: Cpu, operator: "Lt", values: ["5"] }] }] } } } })],
        pools: [nodePool("default", { requirements: [{ key: Cpu, operator: "Gte", values: ["4"] }] })],
      }),
    expect: (r) => assert.deepEqual([...cpus(r)], [4000]),
  },
  {
    name: "a Gte no instance type reaches leaves the pod pending, with the requirement named",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { requirements: [{ key: Cpu, operator: "Gte", values: ["100000"] }] })] }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 0);
      assert.match(r.unschedulable[0]!.message, /instance-cpu/);
    },
  },
];

describe("scenarios: min values policy and Gte/Lte", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
