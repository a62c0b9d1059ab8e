// A sanity check that a large, diverse batch solves completely and sensibly. Speed is measured by
// the benchmark (npm run bench:*), not here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { catalog, input, instanceType, pod, solveChecked } from "../../kit/scheduling.js";

/** A deterministic generator (mulberry32), so the batch is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function diverse(n: number): V1Pod[] {
  const rand = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const cpu = ["100m", "250m", "500m", "1", "1500m"];
  const mem = ["128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"];
  const vals = ["a", "b", "c", "d", "e"];
  const out: V1Pod[] = [];
  for (let i = 0; i < n; i++) {
    const base = { cpu: pick(cpu), memory: pick(mem) };
    switch (i % 6) {
      case 0:
        out.push(pod(`generic-${i}`, { ...base, labels: { team: pick(vals) } }));
        break;
      case 1:
        out.push(pod(`zspread-${i}`, { ...base, labels: { team: pick(vals) }, spread: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { team: pick(vals) } } }] }));
        break;
      case 2:
        out.push(pod(`hspread-${i}`, { ...base, labels: { team: pick(vals) }, spread: [{ maxSkew: 2, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { team: pick(vals) } } }] }));
        break;
      case 3: {
        const g = pick(vals);
        out.push(pod(`zaff-${i}`, { ...base, labels: { group: g }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { group: g } } }] } } }));
        break;
      }
      case 4:
        out.push(pod(`anti-${i}`, { ...base, labels: { app: "solo" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "solo" } } }] } } }));
        break;
      default:
        out.push(pod(`arm-${i}`, { ...base, nodeSelector: { "kubernetes.io/arch": pick(["amd64", "arm64"]) }, affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] } }] } } }));
    }
  }
  return out;
}

describe("scale", () => {
  test("5,000 diverse pods all find a place, close to the lower bound", () => {
    const types = [
      ...catalog({ capacityTypes: ["spot", "on-demand"] }),
      instanceType("m6g.xlarge", { cpu: 4, memGi: 16, price: 0.154, arch: "arm64", capacityTypes: ["spot", "on-demand"] }),
      instanceType("m6g.4xlarge", { cpu: 16, memGi: 64, price: 0.616, arch: "arm64", capacityTypes: ["spot", "on-demand"] }),
    ];
    const batch = diverse(5000);
    const r = solveChecked(input({ pods: batch, types }));
    assert.equal(r.unschedulable.length, 0, r.unschedulable[0]?.message);
    const solo = batch.filter((p) => p.metadata!.labels!.app === "solo").length;
    assert.ok(r.nodeClaims.length >= solo, "one node per anti-affine pod at least");
    assert.ok(r.costRatio < 1.25, `ratio ${r.costRatio}`);
  });
});
