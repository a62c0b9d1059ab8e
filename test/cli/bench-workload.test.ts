// The benchmark must reproduce the reference workload (/work/shared/bench/scheduling-workload.md)
// exactly, or its figures do not compare with Karpenter's. These tests hold the generator to it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import {
  CPURequests,
  type Category,
  DiverseSizes,
  LabelValues,
  MemoryRequests,
  diverseCounts,
  makeDiversePods,
  makeInstanceTypes,
  makeNodePool,
  makePreferencePods,
} from "../../bench/workload.js";

/** Recognises a pod's category from its shape alone, independently of how the generator built it. */
function categoryOf(pod: V1Pod): Category {
  const spec = pod.spec!;
  const tsc = spec.topologySpreadConstraints?.[0];
  if (tsc) return tsc.topologyKey === "topology.kubernetes.io/zone" ? "zone-spread" : "hostname-spread";
  if (spec.affinity?.podAffinity) return "zone-affinity";
  if (spec.affinity?.podAntiAffinity) return "hostname-anti-affinity";
  return "generic";
}

const requests = (pod: V1Pod) => pod.spec!.containers[0]!.resources!.requests!;

describe("benchmark instance types", () => {
  const types = makeInstanceTypes();
  it("are 400 types fake-it-0 … fake-it-399 with i cpu, 2i GiB, 10i pods", () => {
    assert.equal(types.length, 400);
    types.forEach((t, idx) => {
      const i = idx + 1;
      assert.equal(t.name, `fake-it-${i - 1}`);
      assert.deepEqual(t.capacity, { cpu: i * 1000, memory: 2 * i * 2 ** 30, pods: 10 * i });
    });
  });
  it("reserve 100m cpu and 10Mi memory for kube and nothing else", () => {
    for (const t of types) assert.deepEqual(t.overhead, { kubeReserved: { cpu: 100, memory: 10 * 2 ** 20 }, systemReserved: {}, evictionThreshold: {} });
  });
  it("offer spot in zones 1-2 and on-demand in zones 1-3, all available at 0.1·cpu + 0.1·bytes/1e9", () => {
    const t = types[9]!; // i = 10
    const price = 0.1 * 10 + (0.1 * 20 * 2 ** 30) / 1e9;
    assert.deepEqual(
      t.offerings.map((o) => `${o.capacityType}/${o.zone}`).sort(),
      ["on-demand/test-zone-1", "on-demand/test-zone-2", "on-demand/test-zone-3", "spot/test-zone-1", "spot/test-zone-2"],
    );
    for (const o of t.offerings) {
      assert.equal(o.available, true);
      assert.ok(Math.abs(o.price - price) < 1e-9);
    }
  });
  it("are amd64 and list linux, windows and darwin", () => {
    for (const t of types) {
      assert.deepEqual(t.requirements.find((r) => r.key === "kubernetes.io/arch")?.values, ["amd64"]);
      assert.deepEqual(t.requirements.find((r) => r.key === "kubernetes.io/os")?.values, ["linux", "windows", "darwin"]);
    }
  });
});

describe("benchmark NodePool", () => {
  it("has no requirements and limits that never bind", () => {
    const np = makeNodePool();
    assert.deepEqual(np.spec.template.spec.requirements, []);
    assert.deepEqual(np.spec.limits, { cpu: "10000000", memory: "10000000Gi" });
  });
});

describe("diverse pods", () => {
  it("split N in five equal parts with the remainder as generic pods, for every size", () => {
    for (const n of DiverseSizes) {
      const pods = makeDiversePods(n);
      assert.equal(pods.length, n);
      const counts: Record<Category, number> = { generic: 0, "zone-spread": 0, "hostname-spread": 0, "zone-affinity": 0, "hostname-anti-affinity": 0 };
      for (const p of pods) counts[categoryOf(p)]++;
      assert.deepEqual(counts, diverseCounts(n), `N=${n}`);
    }
    assert.deepEqual(diverseCounts(1), { generic: 1, "zone-spread": 0, "hostname-spread": 0, "zone-affinity": 0, "hostname-anti-affinity": 0 });
    assert.deepEqual(diverseCounts(50), { generic: 10, "zone-spread": 10, "hostname-spread": 10, "zone-affinity": 10, "hostname-anti-affinity": 10 });
  });

  it("are the same on every run (seed 42) and differ with another seed", () => {
    assert.deepEqual(makeDiversePods(1000), makeDiversePods(1000));
    assert.notDeepEqual(makeDiversePods(1000), makeDiversePods(1000, 7));
  });

  it("draw labels and requests from the stated domains, and use every value", () => {
    const pods = makeDiversePods(5000);
    const cpus = new Set<string>();
    const mems = new Set<string>();
    const labelValues = new Set<string>();
    for (const p of pods) {
      const r = requests(p);
      cpus.add(r.cpu!);
      mems.add(r.memory!);
      for (const [k, v] of Object.entries(p.metadata!.labels!)) if (k !== "app") labelValues.add(v);
    }
    assert.deepEqual([...cpus].sort(), [...CPURequests].sort());
    assert.deepEqual([...mems].sort(), [...MemoryRequests].sort());
    assert.deepEqual([...labelValues].sort(), [...LabelValues]);
  });

  it("give every pod a unique UID", () => {
    const pods = [...makeDiversePods(20_000), ...makePreferencePods()];
    assert.equal(new Set(pods.map((p) => p.metadata!.uid)).size, pods.length);
  });

  it("build each category's constraints as specified", () => {
    const pods = makeDiversePods(500);
    for (const p of pods) {
      const labels = p.metadata!.labels!;
      switch (categoryOf(p)) {
        case "generic":
          assert.deepEqual(Object.keys(labels), ["my-label"]);
          break;
        case "zone-spread":
        case "hostname-spread": {
          const c = p.spec!.topologySpreadConstraints!;
          assert.equal(c.length, 1);
          assert.equal(c[0]!.maxSkew, 1);
          assert.equal(c[0]!.whenUnsatisfiable, "DoNotSchedule");
          assert.deepEqual(Object.keys(c[0]!.labelSelector!.matchLabels!), ["my-label"]);
          assert.ok(LabelValues.includes(labels["my-label"] as (typeof LabelValues)[number]));
          break;
        }
        case "zone-affinity": {
          const terms = p.spec!.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution!;
          assert.equal(terms[0]!.topologyKey, "topology.kubernetes.io/zone");
          assert.deepEqual(terms[0]!.labelSelector!.matchLabels, labels); // selects its own label
          assert.deepEqual(Object.keys(labels), ["my-affininity"]);
          break;
        }
        case "hostname-anti-affinity": {
          const terms = p.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!;
          assert.equal(terms[0]!.topologyKey, "kubernetes.io/hostname");
          assert.deepEqual(terms[0]!.labelSelector!.matchLabels, { app: "nginx" });
          assert.deepEqual(labels, { app: "nginx" });
          break;
        }
      }
    }
  });
});

describe("preference pods", () => {
  it("are 4,000 app=nginx pods preferring zone 1 and avoiding each other by zone (10) and host (1)", () => {
    const pods = makePreferencePods();
    assert.equal(pods.length, 4000);
    for (const p of pods) {
      assert.deepEqual(p.metadata!.labels, { app: "nginx" });
      const aff = p.spec!.affinity!;
      assert.deepEqual(aff.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!.preference.matchExpressions, [
        { key: "topology.kubernetes.io/zone", operator: "In", values: ["test-zone-1"] },
      ]);
      const anti = aff.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution!;
      assert.deepEqual(
        anti.map((t) => [t.weight, t.podAffinityTerm.topologyKey, t.podAffinityTerm.labelSelector!.matchLabels]),
        [
          [10, "topology.kubernetes.io/zone", { app: "nginx" }],
          [1, "kubernetes.io/hostname", { app: "nginx" }],
        ],
      );
      assert.equal(aff.podAffinity, undefined);
      assert.equal(p.spec!.topologySpreadConstraints, undefined);
      assert.ok((CPURequests as readonly string[]).includes(requests(p).cpu!));
    }
    // Karpenter draws the preference pods' request once for all of them: 100m and 4096Mi.
    assert.deepEqual([...new Set(pods.map((p) => JSON.stringify(requests(p))))], [JSON.stringify({ cpu: "100m", memory: "4096Mi" })]);
    assert.deepEqual(makePreferencePods(), pods);
  });
});
