// The room checks of a disruption command: replacements launch from NodePools that may launch
// (Ready, not deleting, not asleep, within limits, minValues met) and hold the pods they take,
// and every other pod that must move has room on a node that stays. Room is a necessary
// condition only (requests, nodeSelector, taints; affinity and spread aside), so a failure here is
// a plan no scheduler could carry out.
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import type { RequirementSpec } from "../../src/cloudprovider/types.js";
import type { Command, DisruptionInput, DisruptionOptions } from "../../src/disruption/types.js";
import { podRequests } from "../../src/scheduling/podrequests.js";
import { toleratesTaint } from "../../src/scheduling/taints.js";
import { checkClaim } from "./check.js";
import { type NodeFacts, asleep, capacity, isActive, mustMove, podKey } from "./disruption-facts.js";

const eps = 1e-9;

/** Replacements launch from pools that may launch, hold their pods; every other pod that must move has room left. */
export function checkReplacements(input: DisruptionInput, opts: DisruptionOptions, facts: Map<string, NodeFacts>, expiring: ReadonlySet<string>, cmd: Command, cands: NodeFacts[], what: string): void {
  const pools = new Map(input.nodePools.map((p) => [p.metadata.name ?? "", p]));
  const moving = new Map<string, V1Pod>();
  for (const f of cands) for (const p of f.pods.filter(mustMove)) moving.set(podKey(p), p);
  // Nodes on their way out: already marked, or expiring this very pass (their pods need a place too).
  const leaving = new Set([...facts.values()].filter((f) => f.marked || expiring.has(f.claim?.metadata.name ?? f.name)).map((f) => f.name));
  const pendingOrDeleting = new Set(input.pods.filter((p) => !p.spec?.nodeName || leaving.has(p.spec.nodeName)).map(podKey));
  const onReplacements = new Set<string>();
  for (const r of cmd.replacements) {
    const np = pools.get(r.nodePool);
    assert.ok(np, `${what}: replacement from an unknown NodePool ${r.nodePool}`);
    assert.ok(np.metadata.deletionTimestamp == null, `${what}: replacement from NodePool ${r.nodePool}, which is being deleted`);
    if (opts.requireReadyNodePools !== false) assert.ok((np.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"), `${what}: replacement from NodePool ${r.nodePool}, which is not Ready`);
    assert.ok(!asleep(np, opts.now), `${what}: replacement from NodePool ${r.nodePool}, which is asleep`);
    checkClaim(r.planned, np);
    for (const req of np.spec.template.spec.requirements as (RequirementSpec & { minValues?: number })[]) {
      if (req.minValues === undefined) continue;
      const values = new Set(r.planned.instanceTypes.flatMap((t) => t.requirements.find((x) => x.key === req.key)?.values ?? []).filter((v) => req.operator !== "In" || (req.values ?? []).includes(v)));
      assert.ok(values.size >= req.minValues, `${what}: replacement offers ${values.size} values of ${req.key}, minValues is ${req.minValues}`);
    }
    checkPoolLimits(np.spec.limits as Record<string, string> | undefined, facts, leaving, r.nodePool, cands, r.planned.instanceTypes, what);
    for (const p of r.planned.pods) {
      const k = podKey(p);
      assert.ok(moving.has(k) || pendingOrDeleting.has(k), `${what}: replacement takes pod ${k}, which does not need a place`);
      onReplacements.add(k);
    }
  }
  // Every pod that must move and is not on a replacement has room on a node that stays.
  const gone = new Set(cands.map((f) => f.name));
  const stays = [...facts.values()].filter((f) => !gone.has(f.name) && !leaving.has(f.name) && f.initialized && !f.node.spec?.unschedulable);
  const free = new Map(stays.map((f) => [f.name, freeRoom(f)]));
  const total: Record<string, number> = {};
  for (const p of moving.values()) {
    if (onReplacements.has(podKey(p))) continue;
    const req = podRequests(p);
    for (const [k, v] of Object.entries(req)) total[k] = (total[k] ?? 0) + v;
    assert.ok(
      stays.some((f) => fits(p, req, f, free.get(f.name)!)),
      `${what}: pod ${podKey(p)} must move and no node that stays has room for it`,
    );
  }
  for (const [k, v] of Object.entries(total)) {
    const room = [...free.values()].reduce((s, r) => s + Math.max(0, r[k] ?? 0), 0);
    assert.ok(v <= room + eps, `${what}: the pods that move need ${v} ${k}, the nodes that stay have ${room}`);
  }
}

function freeRoom(f: NodeFacts): Record<string, number> {
  const room = capacity(f.node.status?.allocatable);
  for (const p of f.pods.filter(isActive)) for (const [k, v] of Object.entries(podRequests(p))) room[k] = (room[k] ?? 0) - v;
  return room;
}

/** Necessary for the pod to go there: room, nodeSelector, taints tolerated (affinity and spread aside). */
function fits(p: V1Pod, req: Record<string, number>, f: NodeFacts, room: Record<string, number>): boolean {
  for (const [k, v] of Object.entries(req)) if (v > (room[k] ?? 0) + eps) return false;
  for (const [k, v] of Object.entries(p.spec?.nodeSelector ?? {})) if (f.labels[k] !== v) return false;
  for (const t of f.node.spec?.taints ?? []) {
    if (t.effect !== "NoSchedule" && t.effect !== "NoExecute") continue;
    if (!(p.spec?.tolerations ?? []).some((tol) => toleratesTaint(tol, t))) return false;
  }
  return true;
}

/** Each option of a replacement fits under its pool's limits, counting the nodes that stay (as Karpenter's simulation does). */
function checkPoolLimits(limits: Record<string, string> | undefined, facts: Map<string, NodeFacts>, leaving: ReadonlySet<string>, pool: string, cands: NodeFacts[], types: readonly { name: string; capacity: Record<string, number> }[], what: string): void {
  if (!limits) return;
  const max = capacity(limits);
  const gone = new Set(cands.map((f) => f.name));
  const used: Record<string, number> = { nodes: 0 };
  for (const f of facts.values()) {
    if (!f.managed || leaving.has(f.name) || f.poolName !== pool || gone.has(f.name)) continue;
    used["nodes"]! += 1;
    for (const [k, v] of Object.entries(capacity(f.node.status?.capacity))) used[k] = (used[k] ?? 0) + v;
  }
  for (const t of types) {
    for (const [k, limit] of Object.entries(max)) {
      const after = (used[k] ?? 0) + (k === "nodes" ? 1 : (t.capacity[k] ?? 0));
      assert.ok(after <= limit + eps, `${what}: option ${t.name} takes NodePool ${pool} over its ${k} limit (${after} > ${limit})`);
    }
  }
}
