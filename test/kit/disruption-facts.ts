// The facts a disruption plan is checked against, worked out from the input with Karpenter's
// definitions and without the disruption core's code: which Node belongs to which NodeClaim and
// NodePool, which pods run where and which of them must move, what the drain would evict, what
// PodDisruptionBudgets allow, what a node costs, what the budgets allow, and whether a scheduled
// window is open. Only the API's own helpers (durations, Go's duration parser, quantities, the NodePool hash) and the
// scheduling algebra (pod requests, tolerations) are shared with the code under test.
import type { V1LabelSelector, V1Node, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { Cron } from "croner";
import { parse as parseYAML } from "yaml";
import { parseDuration, parseNillableDuration } from "../../src/apis/duration.js";
import {
  CapacityTypeLabel,
  ConditionInitialized,
  ConditionLaunched,
  DisruptedTaintKey,
  DoNotDisruptAnnotation,
  InstanceTypeLabel,
  NodeInitializedLabel,
  NodePoolHashAnnotation,
  NodePoolHashVersionAnnotation,
  NodePoolLabel,
  ZoneLabel,
} from "../../src/apis/labels.js";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { NodePool } from "../../src/apis/nodepool.js";
import type { InstanceType, RequirementSpec } from "../../src/cloudprovider/types.js";
import { NODEPOOL_HASH_VERSION, nodePoolHash } from "../../src/apis/nodepoolhash.js";
import { parseGoDuration } from "../../src/core/goduration.js";
import { parseResourceList } from "../../src/core/quantity.js";
import type { DisruptionInput, DisruptionOptions } from "../../src/disruption/types.js";
import { WellKnownLabels } from "../../src/scheduling/wellknown.js";

export const SleepWindowsKey = "tenon.sh/sleep-windows";
export const MinSavingsKey = "tenon.sh/consolidation-min-savings";

const time = (v: Date | string | undefined | null): number | undefined => (v === undefined || v === null ? undefined : new Date(v).getTime());
const deleting = (o: { metadata?: { deletionTimestamp?: Date | string | null } } | undefined): boolean => time(o?.metadata?.deletionTimestamp) !== undefined;

// Pods, with the meanings of Kubernetes and Karpenter.
const ownedBy = (p: V1Pod, kind: string): boolean => (p.metadata?.ownerReferences ?? []).some((o) => o.kind === kind);
export const podKey = (p: V1Pod): string => `${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? ""}`;
export const isTerminal = (p: V1Pod): boolean => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const terminating = (p: V1Pod): boolean => time(p.metadata?.deletionTimestamp) !== undefined;
export const isActive = (p: V1Pod): boolean => !isTerminal(p) && !terminating(p);
const mirror = (p: V1Pod): boolean => ownedBy(p, "Node") || p.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined;
/** Must find a new home when its node goes (Karpenter's IsReschedulable). */
export const mustMove = (p: V1Pod): boolean => (isActive(p) || (ownedBy(p, "StatefulSet") && terminating(p))) && !ownedBy(p, "DaemonSet") && !mirror(p);
/**
 * Its karpenter.sh/do-not-disrupt keeps its node at `now` (Karpenter v1.14): "true", or a positive
 * Go duration not yet run out since the pod started (or it has not started); other values count for nothing.
 */
export function asksNotToBeDisrupted(p: V1Pod, now: number): boolean {
  const v = p.metadata?.annotations?.[DoNotDisruptAnnotation];
  if (!isActive(p) || v === undefined) return false;
  if (v === "true") return true;
  let ns: bigint;
  try {
    ns = parseGoDuration(v);
  } catch {
    return false;
  }
  const start = time(p.status?.startTime);
  return ns > 0n && (start === undefined || (now - start) * 1e6 < Number(ns));
}
const toleratesDisrupted = (p: V1Pod): boolean =>
  (p.spec?.tolerations ?? []).some((t) => ((t.operator === "Exists" && (!t.key || t.key === DisruptedTaintKey)) || (t.key === DisruptedTaintKey && !t.value)) && (!t.effect || t.effect === "NoSchedule"));
/** The drain calls the Eviction API for it, so PodDisruptionBudgets apply (Karpenter's IsEvictable). */
export const evicted = (p: V1Pod): boolean => isActive(p) && !toleratesDisrupted(p) && !mirror(p);
const podReady = (p: V1Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Kubernetes label selector semantics: a nil selector selects nothing, an empty one everything. */
export function selects(sel: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = labels[e.key];
    const ok = e.operator === "In" ? v !== undefined && (e.values ?? []).includes(v) : e.operator === "NotIn" ? v === undefined || !(e.values ?? []).includes(v) : e.operator === "Exists" ? v !== undefined : e.operator === "DoesNotExist" ? v === undefined : false;
    if (!ok) return false;
  }
  return true;
}

const reqAllows = (reqs: readonly RequirementSpec[], key: string, value: string): boolean =>
  reqs.every((r) => {
    if (r.key !== key) return true;
    const vs = r.values ?? [];
    switch (r.operator) {
      case "In":
        return vs.includes(value);
      case "NotIn":
        return !vs.includes(value);
      case "Exists":
        return true;
      case "DoesNotExist":
        return false;
      case "Gt":
        return Number(value) > Number(vs[0]);
      case "Lt":
        return Number(value) < Number(vs[0]);
    }
    return false;
  });

/** The cheapest available offering of the type the requirements allow (zone, capacity type). */
export function cheapestAllowed(it: InstanceType, reqs: readonly RequirementSpec[]): number | undefined {
  let best: number | undefined;
  for (const o of it.offerings) {
    if (!o.available || !reqAllows(reqs, ZoneLabel, o.zone) || !reqAllows(reqs, CapacityTypeLabel, o.capacityType)) continue;
    if (best === undefined || o.price < best) best = o.price;
  }
  return best;
}

/** Whether a scheduled window (cron + duration) is open at `now`: it fired in (now − duration, now]. */
export function scheduleOpen(schedule: string, durationMs: number, timeZone: string, now: number): boolean {
  const hit = new Cron(schedule.trim(), { timezone: timeZone, mode: "5-part", paused: true }).nextRun(new Date(now - durationMs));
  return hit !== null && hit.getTime() <= now;
}

/** Whether the pool is inside one of its tenon.sh/sleep-windows at `now` (never, if they cannot be read). */
export function asleep(np: NodePool, now: number): boolean {
  const text = np.metadata.annotations?.[SleepWindowsKey];
  if (text === undefined) return false;
  try {
    const raw: unknown = parseYAML(text);
    const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { schedule: string; duration: string; timeZone?: string }[];
    return list.some((w) => scheduleOpen(w.schedule, parseDuration(w.duration), w.timeZone ?? "UTC", now));
  } catch {
    return false;
  }
}

/** The pool's tenon.sh/consolidation-min-savings as a fraction (0 when unset or unreadable). */
export function minSavingsOf(np: NodePool): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(np.metadata.annotations?.[MinSavingsKey] ?? "");
  return m && Number(m[1]) < 100 ? Number(m[1]) / 100 : 0;
}

/** Karpenter's budget: nodes allowed at once for `reason` (undefined: every budget applies), before subtracting those disrupting. */
export function budgetAllows(np: NodePool, numNodes: number, reason: string | undefined, now: number): number {
  let allowed = Number.POSITIVE_INFINITY;
  for (const b of np.spec.disruption.budgets) {
    if (reason !== undefined && b.reasons !== undefined && !(b.reasons as readonly string[]).includes(reason)) continue;
    let n: number;
    try {
      const active = b.schedule === undefined || scheduleOpen(b.schedule, parseDuration(b.duration ?? ""), "UTC", now);
      const pct = /^(\d+)%$/.exec(b.nodes);
      n = !active ? Number.POSITIVE_INFINITY : pct ? Math.ceil((Number(pct[1]) * numNodes) / 100) : Number(b.nodes);
    } catch {
      n = 0; // fail closed
    }
    allowed = Math.min(allowed, n);
  }
  return allowed;
}

export interface NodeFacts {
  name: string;
  node: V1Node;
  claim?: NodeClaim;
  poolName?: string;
  pool?: NodePool;
  labels: Record<string, string>;
  managed: boolean;
  initialized: boolean;
  ready: boolean;
  /** Deleting, tainted karpenter.sh/disrupted, or in a command in progress. */
  marked: boolean;
  /** Non-terminal pods bound to it. */
  pods: V1Pod[];
  instanceType?: InstanceType;
  /** The offering it runs on (its type in its zone and capacity type). */
  price?: number;
}

/** Every Node of the input with what the checks need to know about it. */
export function nodeFacts(input: DisruptionInput, opts: DisruptionOptions): Map<string, NodeFacts> {
  const pools = new Map(input.nodePools.map((p) => [p.metadata.name ?? "", p]));
  const out = new Map<string, NodeFacts>();
  for (const node of input.nodes) {
    const name = node.metadata?.name ?? "";
    const claim = input.nodeClaims.find((c) => (c.status?.providerID && c.status.providerID === node.spec?.providerID) || c.status?.nodeName === name);
    const labels = node.metadata?.labels ?? {};
    const poolName = labels[NodePoolLabel];
    const managed = claim !== undefined || (opts.nodesWithoutClaims === true && poolName !== undefined);
    const pool = managed && poolName !== undefined ? pools.get(poolName) : undefined;
    const it = pool ? input.instanceTypes.get(poolName!)?.find((t) => t.name === labels[InstanceTypeLabel]) : undefined;
    let price: number | undefined;
    for (const o of it?.offerings ?? []) if (o.zone === labels[ZoneLabel] && o.capacityType === labels[CapacityTypeLabel] && (price === undefined || o.price < price)) price = o.price;
    const claimName = claim?.metadata.name ?? name;
    out.set(name, {
      name,
      node,
      ...(claim ? { claim } : {}),
      ...(managed && poolName !== undefined ? { poolName } : {}),
      ...(pool ? { pool } : {}),
      labels,
      managed,
      initialized: !managed || labels[NodeInitializedLabel] === "true",
      ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      marked: deleting(node) || deleting(claim) || (node.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey && t.effect === "NoSchedule") || (input.inProgress?.has(claimName) ?? false),
      pods: input.pods.filter((p) => p.spec?.nodeName === name && !isTerminal(p)),
      ...(it ? { instanceType: it } : {}),
      ...(price !== undefined ? { price } : {}),
    });
  }
  return out;
}

/** The pool's nodes as budgets count them, and how many of those are disrupting already. */
export function budgetCounts(facts: Map<string, NodeFacts>, pool: string, expiring: ReadonlySet<string>): { nodes: number; disrupting: number } {
  let nodes = 0;
  let disrupting = 0;
  for (const f of facts.values()) {
    if (!f.managed || !f.initialized || f.poolName !== pool) continue;
    nodes++;
    if (!f.ready || f.marked || expiring.has(f.claim?.metadata.name ?? f.name)) disrupting++;
  }
  return { nodes, disrupting };
}

/** The PodDisruptionBudgets selecting the pod. */
export function pdbsOf(p: V1Pod, pdbs: readonly V1PodDisruptionBudget[]): V1PodDisruptionBudget[] {
  return pdbs.filter((b) => (b.metadata?.namespace ?? "default") === (p.metadata?.namespace ?? "default") && selects(b.spec?.selector, p.metadata?.labels ?? {}));
}

/** Whether evicting the pod now would be refused for PodDisruptionBudget reasons (Karpenter's CanEvictPods). */
export function evictionRefused(p: V1Pod, pdbs: readonly V1PodDisruptionBudget[]): string | undefined {
  if (!evicted(p)) return undefined;
  const bs = pdbsOf(p, pdbs);
  if (bs.length > 1) return `${podKey(p)} is selected by ${bs.length} PodDisruptionBudgets`;
  const b = bs[0];
  if (!b || (b.status?.disruptionsAllowed ?? 0) > 0) return undefined;
  if (b.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow" && !podReady(p)) return undefined;
  return `PodDisruptionBudget ${b.metadata?.name} allows no eviction of ${podKey(p)}`;
}

/** Whether an eviction of the pod uses up one of the budget's allowed disruptions. */
export function consumes(p: V1Pod, b: V1PodDisruptionBudget, pdbs: readonly V1PodDisruptionBudget[]): boolean {
  if (!evicted(p) || pdbsOf(p, pdbs).length !== 1 || !selects(b.spec?.selector, p.metadata?.labels ?? {})) return false;
  if ((b.metadata?.namespace ?? "default") !== (p.metadata?.namespace ?? "default")) return false;
  return !(b.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow" && !podReady(p));
}

/** When consolidateAfter has passed for the claim (undefined: consolidation is off). */
export function consolidatableFrom(f: NodeFacts): number | undefined {
  if (!f.pool) return undefined;
  let after: number | undefined;
  try {
    after = parseNillableDuration(f.pool.spec.disruption.consolidateAfter);
  } catch {
    return undefined;
  }
  if (after === undefined) return undefined;
  const init = f.claim?.status?.conditions?.find((c) => c.type === ConditionInitialized)?.lastTransitionTime;
  const base = time(f.claim?.status?.lastPodEventTime) ?? time(init) ?? time(f.claim?.metadata.creationTimestamp) ?? time(f.node.metadata?.creationTimestamp) ?? 0;
  return base + after;
}

/** When the claim expires (undefined: never), from its own expireAfter. */
export function expiresAt(claim: NodeClaim): number | undefined {
  let after: number | undefined;
  try {
    after = parseNillableDuration(claim.spec.expireAfter);
  } catch {
    return undefined;
  }
  const created = time(claim.metadata.creationTimestamp);
  return after === undefined || created === undefined ? undefined : created + after;
}

/** Why the claim has drifted from its pool (or the cloud provider says so), or undefined. */
export function driftReason(claim: NodeClaim, np: NodePool, cloud: string | undefined): string | undefined {
  if (claim.status?.conditions?.find((c) => c.type === ConditionLaunched)?.status !== "True") return undefined;
  const a = claim.metadata.annotations ?? {};
  if (a[NodePoolHashAnnotation] && a[NodePoolHashVersionAnnotation] === NODEPOOL_HASH_VERSION && a[NodePoolHashAnnotation] !== nodePoolHash(np)) return "NodePoolDrifted";
  const labels = claim.metadata.labels ?? {};
  for (const r of np.spec.template.spec.requirements as RequirementSpec[]) {
    const v = labels[r.key];
    const known = WellKnownLabels.has(r.key);
    const holds = v === undefined ? r.operator === "NotIn" || r.operator === "DoesNotExist" || (known && (r.operator === "In" || r.operator === "Exists")) : reqAllows([r], r.key, v);
    if (!holds) return "RequirementsDrifted";
  }
  // The cloud provider's answer counts once the claim is initialized (before, its instance may
  // show partial data).
  return claim.status?.conditions?.find((c) => c.type === ConditionInitialized)?.status === "True" ? cloud : undefined;
}

/** A node's (or claim's) capacity, as limits count it. */
export function capacity(list: Record<string, string | number> | undefined): Record<string, number> {
  try {
    return parseResourceList(list);
  } catch {
    return {};
  }
}
