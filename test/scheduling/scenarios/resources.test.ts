// Requests, allocatable, daemonset overhead and how pods are packed into claims.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Gi, type Scenario, catalog, daemonSet, existingNode, input, instanceType, nodePool, pod, pods, solveChecked } from "../../kit/scheduling.js";

const names = (r: ReturnType<typeof solveChecked>) => r.nodeClaims.map((c) => c.instanceTypes[0]!.name);

const scenarios: Scenario[] = [
  {
    name: "one small pod gets the cheapest type that holds it",
    input: () => input({ pods: [pod("a", { cpu: "1", memory: "1Gi" })] }),
    expect: (r) => assert.deepEqual(names(r), ["c5.large"]),
  },
  {
    name: "a memory-heavy pod goes to the family whose shape fits it cheapest",
    input: () => input({ pods: [pod("a", { cpu: "1", memory: "14Gi" })] }),
    expect: (r) => assert.deepEqual(names(r), ["r5.large"]),
  },
  {
    name: "pods that fit one node together share it",
    input: () => input({ pods: pods(4, "p", { cpu: "1", memory: "1Gi" }) }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 1);
      assert.equal(r.nodeClaims[0]!.pods.length, 4);
      assert.equal(names(r)[0], "c5.xlarge");
    },
  },
  {
    name: "the claim lists every type that fits, cheapest first",
    input: () => input({ pods: [pod("a", { cpu: "3", memory: "4Gi" })] }),
    expect: (r) => {
      const c = r.nodeClaims[0]!;
      const list = c.instanceTypes.map((t) => t.name);
      assert.equal(list[0], "c5.xlarge");
      assert.ok(list.includes("m5.xlarge") && list.includes("r5.4xlarge") && !list.includes("c5.large"));
      const prices = c.instanceTypes.map((t) => Math.min(...t.offerings.map((o) => o.price)));
      assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
      assert.ok(c.requirements.some((q) => q.key === "node.kubernetes.io/instance-type" && q.operator === "In" && q.values!.length === list.length));
    },
  },
  {
    name: "a pod larger than every type is unschedulable, with the largest type named",
    input: () => input({ pods: [pod("big", { cpu: "96", memory: "700Gi" })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      const reason = r.unschedulable[0]!.reasons.find((x) => x.nodePool === "default")!;
      assert.equal(reason.constraint, "resources");
      assert.match(reason.detail, /no instance type has 96 cpu, 700Gi memory free after daemonset overhead \(largest: r5\.4xlarge 16 cpu, 128Gi memory\)/);
      assert.match(r.unschedulable[0]!.message, /nodepool "default": no instance type has 96 cpu/);
    },
  },
  {
    name: "a pod asking for a resource no type has is told so, without a 'largest' type holding none of it",
    input: () => input({ pods: [pod("notebook", { cpu: "1", requests: { "nvidia.com/gpu": "1" } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      const reason = r.unschedulable[0]!.reasons.find((x) => x.nodePool === "default")!;
      assert.equal(reason.constraint, "resources");
      assert.equal(reason.detail, "no instance type the NodePool allows has any nvidia.com/gpu (the pod asks for 1 cpu, 1 nvidia.com/gpu)");
    },
  },
  {
    name: "kube-reserved is taken off capacity",
    input: () => input({ pods: [pod("a", { cpu: "2" })], types: [instanceType("t.a", { cpu: 2, memGi: 4, kubeReserved: { cpu: 100 } }), instanceType("t.b", { cpu: 4, memGi: 8 })] }),
    expect: (r) => assert.deepEqual(names(r), ["t.b"]),
  },
  {
    name: "max pods caps how many pods a node takes",
    input: () => input({ pods: pods(5, "p", { cpu: "10m" }), types: [instanceType("t.small", { cpu: 4, memGi: 8, pods: 3 })] }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 2);
      assert.ok(r.nodeClaims.every((c) => c.pods.length <= 3));
    },
  },
  {
    name: "extended resources (GPUs) need a type that has them",
    input: () =>
      input({
        pods: [pod("gpu", { cpu: "1", requests: { "nvidia.com/gpu": "1" } })],
        types: [...catalog(), instanceType("g5.xlarge", { cpu: 4, memGi: 16, price: 1.0, extra: { "nvidia.com/gpu": 1 } })],
      }),
    expect: (r) => assert.deepEqual(names(r), ["g5.xlarge"]),
  },
  {
    name: "a pod asking for more GPUs than any type has is unschedulable",
    input: () => input({ pods: [pod("gpu", { requests: { "nvidia.com/gpu": "4" } })], types: [instanceType("g5.xlarge", { cpu: 4, memGi: 16, extra: { "nvidia.com/gpu": 1 } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.match(r.unschedulable[0]!.message, /4 nvidia\.com\/gpu/);
    },
  },
  {
    name: "ephemeral storage requests count",
    input: () => input({ pods: pods(3, "p", { requests: { "ephemeral-storage": "60Gi" } }), types: [instanceType("t.a", { cpu: 8, memGi: 16 })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 3),
  },
  {
    name: "daemonset overhead is reserved on every new node",
    input: () => input({ pods: [pod("a", { cpu: "1500m" })], daemonSets: [daemonSet("agent", { cpu: "600m" })] }),
    expect: (r) => {
      assert.deepEqual(names(r), ["c5.xlarge"]);
      assert.equal(r.nodeClaims[0]!.requests.cpu, 2100);
    },
  },
  {
    name: "a daemonset that does not tolerate the NodePool's taint is not counted",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1500m", tolerations: [{ key: "dedicated", operator: "Exists" }] })],
        pools: [nodePool("default", { taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] })],
        daemonSets: [daemonSet("agent", { cpu: "600m" })],
      }),
    expect: (r) => assert.deepEqual(names(r), ["c5.large"]),
  },
  {
    name: "a daemonset restricted to arm64 is not counted on amd64 types",
    input: () => input({ pods: [pod("a", { cpu: "1500m" })], daemonSets: [daemonSet("arm-agent", { cpu: "600m", nodeSelector: { "kubernetes.io/arch": "arm64" } })] }),
    expect: (r) => assert.deepEqual(names(r), ["c5.large"]),
  },
  {
    name: "a daemonset selecting a label the NodePool does not set is not counted",
    input: () => input({ pods: [pod("a", { cpu: "1500m" })], daemonSets: [daemonSet("gpu-agent", { cpu: "1", nodeSelector: { accelerator: "nvidia" } })] }),
    expect: (r) => assert.deepEqual(names(r), ["c5.large"]),
  },
  {
    name: "a daemonset selecting the NodePool's own label is counted",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1500m" })],
        pools: [nodePool("default", { labels: { team: "ml" } })],
        daemonSets: [daemonSet("ml-agent", { cpu: "1", nodeSelector: { team: "ml" } })],
      }),
    expect: (r) => assert.deepEqual(names(r), ["c5.xlarge"]),
  },
  {
    name: "init containers set the request when they are larger",
    input: () =>
      input({
        pods: [
          pod("a", {
            containers: [{ name: "c", image: "x", resources: { requests: { cpu: "500m" } } }],
            initContainers: [{ name: "i", image: "x", resources: { requests: { cpu: "3" } } }],
          }),
        ],
      }),
    expect: (r) => assert.deepEqual(names(r), ["c5.xlarge"]),
  },
  {
    name: "sidecars add to the app containers",
    input: () =>
      input({
        pods: [
          pod("a", {
            containers: [{ name: "c", image: "x", resources: { requests: { cpu: "1500m" } } }],
            initContainers: [{ name: "s", image: "x", restartPolicy: "Always", resources: { requests: { cpu: "1" } } }],
          }),
        ],
      }),
    expect: (r) => assert.deepEqual(names(r), ["c5.xlarge"]),
  },
  {
    name: "pod overhead counts",
    input: () => input({ pods: [pod("a", { cpu: "1900m", overhead: { cpu: "200m" } })] }),
    expect: (r) => assert.deepEqual(names(r), ["c5.xlarge"]),
  },
  {
    name: "pods without requests still take pod slots",
    input: () => input({ pods: pods(4, "p"), types: [instanceType("t.a", { cpu: 2, memGi: 4, pods: 2 })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 2),
  },
  {
    name: "cpu-heavy and memory-heavy pods are packed together on a balanced node rather than apart",
    input: () => input({ pods: [...pods(4, "cpu", { cpu: "3", memory: "1Gi" }), ...pods(4, "mem", { cpu: "500m", memory: "12Gi" })] }),
    expect: (r) => {
      assert.ok(r.costRatio < 1.35, `ratio ${r.costRatio}`);
      assert.ok(r.nodeClaims.some((c) => c.pods.some((p) => p.metadata!.name!.startsWith("cpu")) && c.pods.some((p) => p.metadata!.name!.startsWith("mem"))));
    },
  },
  {
    name: "many identical pods fill nodes close to the lower bound",
    input: () => input({ pods: pods(200, "p", { cpu: "500m", memory: "1Gi" }) }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.ok(r.costRatio < 1.05, `ratio ${r.costRatio}`);
    },
  },
  {
    name: "the lower bound never exceeds the price, and equals it for one pod on its cheapest type",
    input: () => input({ pods: [pod("a", { cpu: "2", memory: "2Gi" })] }),
    expect: (r) => assert.ok(Math.abs(r.lowerBoundPricePerHour - r.totalPricePerHour) < 1e-9),
  },
  {
    name: "claim requests include the daemonset overhead",
    input: () => input({ pods: [pod("a", { cpu: "1", memory: "1Gi" })], daemonSets: [daemonSet("agent", { cpu: "100m", memory: "128Mi" })] }),
    expect: (r) => {
      assert.equal(r.nodeClaims[0]!.requests.cpu, 1100);
      assert.equal(r.nodeClaims[0]!.requests.memory, Gi + 128 * 2 ** 20);
      assert.equal(r.nodeClaims[0]!.requests.pods, 2);
    },
  },
  {
    name: "nothing to schedule gives an empty plan",
    input: () => input({ pods: [] }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 0);
      assert.equal(r.totalPricePerHour, 0);
      assert.equal(r.costRatio, 1);
    },
  },
];

describe("scenarios: resources and packing", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});

describe("scenarios: malformed input is set aside, everything else is planned", () => {
  test("a pod with an unreadable request is unschedulable, named with its field, and does not stop the others", () => {
    const r = solveChecked(input({ pods: [pod("bad", { cpu: "2 cores" }), pod("good", { cpu: "1" })] }));
    assert.equal(r.nodeClaims.length, 1);
    assert.equal(r.unschedulable[0]!.pod.metadata!.name, "bad");
    assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "resources");
    assert.match(r.unschedulable[0]!.message, /pod default\/bad: spec\.containers\[0\]\.resources\.requests\.cpu: invalid quantity "2 cores"/);
  });

  test("a daemonset with an unreadable request is left out and named; the pods are still planned", () => {
    const r = solveChecked(input({ pods: [pod("a")], daemonSets: [daemonSet("agent", { cpu: "lots" }), daemonSet("ok", { cpu: "100m" })] }));
    assert.equal(r.nodeClaims.length, 1);
    assert.deepEqual(r.rejected.map((x) => [x.kind, x.name, x.field]), [["DaemonSet", "kube-system/agent", "spec.template.spec.containers[0].resources.requests.cpu"]]);
  });

  // Regression: one NodePool with limits.cpu "1e1.5" (the CRD pattern admits it) made solve() throw,
  // and no NodePool got a plan.
  for (const limit of ["1e1.5", "1e", "lots"]) {
    test(`a NodePool whose limit reads ${JSON.stringify(limit)} is left out and named; the other pools still plan`, () => {
      const bad = nodePool("bad", { weight: 100 });
      bad.spec.limits = { cpu: limit };
      const r = solveChecked(input({ pools: [bad, nodePool("good")], pods: [pod("a", { cpu: "1" })] }));
      assert.equal(r.nodeClaims.length, 1);
      assert.equal(r.nodeClaims[0]!.nodePool, "good");
      assert.deepEqual(r.rejected.map((x) => [x.kind, x.name, x.field]), [["NodePool", "bad", "spec.limits.cpu"]]);
      assert.match(r.rejected[0]!.message, new RegExp(`spec\\.limits\\.cpu: invalid quantity "${limit.replace(".", "\\.")}"`));
    });
  }

  test("a NodePool limit of 1e999999999 reads as the int64 cap at once (it cost 26 s and 700 MB)", () => {
    const huge = nodePool("huge");
    huge.spec.limits = { cpu: "1e999999999", memory: `${"9".repeat(100_000)}Gi` };
    const r = solveChecked(input({ pools: [huge], pods: [pod("a", { cpu: "1" })] }));
    assert.equal(r.nodeClaims.length, 1);
    assert.deepEqual(r.rejected, []);
  });

  test("a NodePool requirement with an unknown operator is left out, naming the requirement", () => {
    const bad = nodePool("bad", { weight: 100 });
    bad.spec.template.spec.requirements = [{ key: "team", operator: "Near" as "In", values: ["a"] }];
    const r = solveChecked(input({ pools: [bad, nodePool("good")], pods: [pod("a", { cpu: "1" })] }));
    assert.equal(r.nodeClaims[0]!.nodePool, "good");
    assert.deepEqual(r.rejected.map((x) => [x.kind, x.name, x.field]), [["NodePool", "bad", "spec.template.spec.requirements[0]"]]);
  });

  test("a node whose bound pod cannot be read takes no new pod; the plan goes on", () => {
    const node = existingNode("n1", { cpu: 16, memGi: 64, pods: [pod("weird", { cpu: "2 cores", node: "n1" })] });
    const r = solveChecked(input({ nodes: [node], pods: [pod("a", { cpu: "1" })] }));
    assert.equal(r.existingNodes.length, 0);
    assert.equal(r.nodeClaims.length, 1);
    assert.deepEqual(r.rejected.map((x) => [x.kind, x.name, x.field]), [["Pod", "default/weird", "spec.containers[0].resources.requests.cpu"]]);
  });

  // Regression: Gt/Lt read with parseInt, so "4.5" read as 4 and "64cores" as 64, and tenon launched
  // nodes kube-scheduler refused.
  for (const bound of ["4.5", "64cores"]) {
    test(`a pod requiring instance-cpu Gt ${JSON.stringify(bound)} is unschedulable, as kube-scheduler has it`, () => {
      const r = solveChecked(
        input({
          pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Gt", values: [bound] }] }] } } } })],
        }),
      );
      assert.equal(r.nodeClaims.length, 0);
      assert.equal(r.unschedulable.length, 1);
    });
  }
});
