// Checks what must hold for any plan, independently of the solver: every pod accounted for once,
// claims' types hold their pods, taints tolerated, node affinity met, host ports and hostname
// anti-affinity respected, existing nodes not overcommitted, the lower bound below the price.
import assert from "node:assert/strict";
import type { V1Pod, V1Taint } from "@kubernetes/client-node";
import { HostnameLabel } from "../../src/apis/labels.js";
import type { ResourceList } from "../../src/cloudprovider/types.js";
import { allocatable } from "../../src/scheduling/instancetypes.js";
import { podRequests } from "../../src/scheduling/podrequests.js";
import { Requirements, labelsMatch } from "../../src/core/requirements.js";
import { solve } from "../../src/scheduling/solver.js";
import { toleratesTaint } from "../../src/scheduling/taints.js";
import type { PlannedNodeClaim, SchedulingInput, SchedulingResult } from "../../src/scheduling/types.js";
import type { NodePool } from "../../src/apis/nodepool.js";
import { normalizeLabelKey } from "../../src/core/labelkeys.js";

/**
 * Solves and checks what must hold for any plan: every pod accounted for exactly once; each claim's
 * listed types all hold its pods and daemonsets, tolerate nothing they should not, and satisfy each
 * pod's nodeSelector / required node affinity; no host port used twice on a node; existing nodes
 * not overcommitted; the lower bound below the price.
 */
export function solveChecked(inp: SchedulingInput): SchedulingResult {
  const r = solve(inp);
  const seen = new Map<string, number>();
  const note = (p: V1Pod) => seen.set(p.metadata!.uid!, (seen.get(p.metadata!.uid!) ?? 0) + 1);
  r.nodeClaims.forEach((c) => c.pods.forEach(note));
  r.existingNodes.forEach((n) => n.pods.forEach(note));
  r.unschedulable.forEach((u) => note(u.pod));
  assert.equal(seen.size, inp.pods.length, "every pod is accounted for");
  for (const [u, n] of seen) assert.equal(n, 1, `pod ${u} appears once`);
  assert.ok(r.lowerBoundPricePerHour <= r.totalPricePerHour + 1e-9, `lower bound ${r.lowerBoundPricePerHour} ≤ price ${r.totalPricePerHour}`);
  for (const c of r.nodeClaims) {
    const pool = inp.nodePools.find((np) => np.metadata.name === c.nodePool);
    assert.ok(pool, `claim ${c.hostname} comes from a NodePool of the input (${c.nodePool})`);
    checkClaim(c, pool, inp.options?.maxInstanceTypes ?? 60);
  }
  for (const n of r.existingNodes) {
    const node = inp.existingNodes.find((x) => x.name === n.name)!;
    const used: ResourceList = {};
    for (const p of [...node.pods.filter((x) => x.status?.phase !== "Succeeded" && x.status?.phase !== "Failed"), ...n.pods]) {
      for (const [k, v] of Object.entries(podRequests(p))) used[k] = (used[k] ?? 0) + v;
    }
    for (const [k, v] of Object.entries(used)) assert.ok(v <= (node.allocatable[k] ?? 0), `node ${n.name} not overcommitted in ${k}`);
    for (const p of n.pods) {
      const alts = p.spec?.nodeSelector ? Requirements.fromLabels(p.spec.nodeSelector) : new Requirements();
      assert.ok(labelsMatch(node.labels, alts), `pod ${p.metadata!.name} nodeSelector matches node ${n.name}`);
    }
    checkHostPorts([...node.pods, ...n.pods], `node ${n.name}`);
    checkHostnameAntiAffinity([...node.pods, ...n.pods], `node ${n.name}`);
  }
  return r;
}

/**
 * What must hold for one planned NodeClaim, whoever planned it (the solver, or disruption's
 * replacements): it lists types, each of which holds its pods; its pods tolerate the pool's
 * taints and their nodeSelector / required node affinity hold on it; no host port is used twice
 * and no hostname anti-affinity is broken among its pods.
 */
export function checkClaim(c: PlannedNodeClaim, pool: NodePool, maxInstanceTypes = 60): void {
  assert.ok(c.instanceTypes.length > 0, "a claim lists instance types");
  assert.ok(c.instanceTypes.length <= maxInstanceTypes);
  assert.ok(Number.isFinite(c.pricePerHour) && c.pricePerHour >= 0);
  const podSum: ResourceList = {};
  for (const p of c.pods) for (const [k, v] of Object.entries(podRequests(p))) podSum[k] = (podSum[k] ?? 0) + v;
  const poolTaints = (pool.spec.template.spec.taints ?? []) as V1Taint[];
  const claimReqs = Requirements.fromSpecs(c.requirements);
  for (const t of c.instanceTypes) {
    const alloc = allocatable(t);
    for (const [k, v] of Object.entries(podSum)) assert.ok(v <= (alloc[k] ?? 0), `${t.name} holds the pods' ${k} (${v} ≤ ${alloc[k] ?? 0})`);
  }
  const labels: Record<string, string> = { ...claimReqs.labels(), ...c.labels, [HostnameLabel]: c.hostname };
  for (const p of c.pods) {
    for (const taint of poolTaints) {
      if (taint.effect === "PreferNoSchedule") continue;
      assert.ok((p.spec?.tolerations ?? []).some((tol) => toleratesTaint(tol, taint)), `pod ${p.metadata!.name} tolerates ${taint.key}`);
    }
    for (const [raw, v] of Object.entries(p.spec?.nodeSelector ?? {})) {
      const k = normalizeLabelKey(raw);
      const req = claimReqs.get(k);
      assert.ok(labels[k] === v || (req !== undefined && !req.complement && req.values.size === 1 && req.has(v)), `pod ${p.metadata!.name} nodeSelector ${k}=${v} holds on its claim`);
    }
    const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (terms) {
      const ok = terms.some((t) => {
        const tr = Requirements.fromNodeSelectorTerm(t);
        if (tr.size === 0) return false;
        return [...tr.values()].every((req) => {
          const cr = claimReqs.get(req.key);
          if (cr && cr.allowsAbsence && req.allowsAbsence) return true;
          if (cr) return cr.intersection(req).size > 0 && (cr.complement ? true : [...cr.values].every((v) => req.has(v)));
          return labels[req.key] !== undefined ? req.has(labels[req.key]!) : req.allowsAbsence;
        });
      });
      assert.ok(ok, `pod ${p.metadata!.name} required node affinity holds on its claim`);
    }
  }
  checkHostPorts(c.pods, `claim ${c.hostname}`);
  checkHostnameAntiAffinity(c.pods, `claim ${c.hostname}`);
}

/** No pod shares a node with a pod its required hostname anti-affinity selects (matchLabels, same namespace). */
function checkHostnameAntiAffinity(ps: V1Pod[], where: string): void {
  for (const p of ps) {
    for (const t of p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (t.topologyKey !== HostnameLabel || !t.labelSelector?.matchLabels || t.namespaces || t.namespaceSelector || t.labelSelector.matchExpressions || t.matchLabelKeys || t.mismatchLabelKeys) continue;
      const sel = t.labelSelector.matchLabels;
      for (const q of ps) {
        // The same pod bound elsewhere (being moved) is not another pod.
        if (q === p || q.metadata?.uid === p.metadata?.uid || q.metadata?.namespace !== p.metadata?.namespace) continue;
        const matches = Object.entries(sel).every(([k, v]) => q.metadata?.labels?.[k] === v);
        assert.ok(!matches, `${p.metadata!.name} and ${q.metadata!.name} share ${where} despite anti-affinity`);
      }
    }
  }
}

function checkHostPorts(ps: V1Pod[], where: string): void {
  const used: { ip: string; port: number; proto: string }[] = [];
  for (const p of ps) {
    for (const c of p.spec?.containers ?? []) {
      for (const port of c.ports ?? []) {
        if (!port.hostPort) continue;
        const me = { ip: port.hostIP || "0.0.0.0", port: port.hostPort, proto: port.protocol || "TCP" };
        for (const u of used) {
          const clash = u.port === me.port && u.proto === me.proto && (u.ip === "0.0.0.0" || me.ip === "0.0.0.0" || u.ip === me.ip);
          assert.ok(!clash, `host port ${me.port}/${me.proto} used twice on ${where}`);
        }
        used.push(me);
      }
    }
  }
}

