// Scheduling simulations for disruption: "if these nodes were gone, where would their pods go?",
// answered by the same solver the provisioner uses. The pods to place are the candidates' pods,
// plus the pods of nodes already on their way out and the pending pods (they compete for the same
// room); the existing capacity is every other node and in-flight NodeClaim; new NodeClaims may
// come from no NodePool, from types cheaper than a price, or from any type (drift).
//
// The solver rebuilds its context from scratch on every call, so what it is handed is kept small:
//  - the other nodes are handed over "light": allocatable already less their pods' requests, with
//    only the pods that can still matter: host ports, required anti-affinity, and the pods that the
//    spread and affinity selectors of the pods to place match (so every count is the same); nodes
//    without room for the smallest pod are left out unless they hold such pods (they could take
//    none), and one node per zone, NodePool, instance type and capacity type stays so every domain
//    is still known. Only a spread over hostnames (a minimum over every node) needs every node;
//  - a delete-only simulation first tries a handful of the roomiest nodes: a placement found there
//    is a placement in the whole cluster; only when it fails is the whole cluster tried;
//  - replacement simulations get only the instance types cheaper than the price to beat.
// Everything per node and per pod (requests, light nodes, room) is computed once per pass.
import type { V1Pod, V1Toleration } from "@kubernetes/client-node";
import type { NodePool } from "../apis/nodepool.js";
import type { InstanceType, RequirementSpec, ResourceList } from "../cloudprovider/types.js";
import { HostnameLabel } from "../apis/labels.js";
import { allocatable as typeAllocatable, cheapestOffering, typeRequirements } from "../scheduling/instancetypes.js";
import { labelsMatch } from "../core/requirements.js";
import { isEphemeralTaint, toleratesTaint } from "../scheduling/taints.js";
import { NodeNameField, normalizeLabelKey } from "../core/labelkeys.js";
import { podRequests } from "../scheduling/podrequests.js";
import { Requirements } from "../core/requirements.js";
import { solve } from "../scheduling/solver.js";
import type { ExistingNode, PlannedNodeClaim, SchedulingInput, SchedulingResult } from "../scheduling/types.js";
import { hasHostPorts, hostnameSpread, podName, requiredAntiAffinityKeys, topologySelectors } from "./pods.js";
import type { Selector } from "../core/selector.js";
import { type ClusterView, capacityOf } from "./state.js";
import type { Candidate, DisruptionOptions, StateNode } from "./types.js";

/** Where new capacity may come from in a simulation. */
export type LaunchPolicy = { kind: "none" } | { kind: "cheaperThan"; price: number } | { kind: "any" };

export interface PodFailure {
  pod: V1Pod;
  message: string;
  kind: "PodsDoNotFit" | "UninitializedTarget";
  /** The solver's constraints that failed, for NodePools (empty for existing nodes only). */
  poolConstraints: string[];
}

export interface SimulationResult {
  /** Every pod of the candidates (and of deleting nodes) has a place on initialized capacity or a new NodeClaim. */
  ok: boolean;
  failures: PodFailure[];
  /** New NodeClaims that carry at least one pod that must move (claims only for pending pods are the provisioner's). */
  newClaims: PlannedNodeClaim[];
  result: SchedulingResult;
}

/** The three resources every pod asks for, as a cheap room check. */
type Vec = [cpu: number, memory: number, pods: number];
const vec = (r: ResourceList): Vec => [r["cpu"] ?? 0, r["memory"] ?? 0, r["pods"] ?? 0];

interface SimNode {
  s: StateNode;
  full: ExistingNode;
  lite: ExistingNode;
  free: Vec;
  /** Initialized capacity (a placement there is one Karpenter would rely on). */
  settled: boolean;
  capacity: ResourceList;
  /** Labels with keys normalized as the solver reads them, plus the node's name as metadata.name. */
  normalizedLabels: Record<string, string>;
}

/** What decides on which nodes a pod may go at all: node selector, required node affinity, tolerations. */
interface Signature {
  key: string;
  selector: [string, string][];
  terms?: Requirements[];
  tolerations: V1Toleration[];
}

function podSignature(p: V1Pod): Signature {
  const selector = Object.entries(p.spec?.nodeSelector ?? {}).map(([k, v]): [string, string] => [normalizeLabelKey(k), v]);
  const required = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const tolerations = p.spec?.tolerations ?? [];
  return {
    key: JSON.stringify([selector, required ?? null, tolerations]),
    selector,
    ...(required && required.length > 0 ? { terms: required.map((t) => Requirements.fromNodeSelectorTerm(t)) } : {}),
    tolerations,
  };
}

/** False only when the pod certainly cannot go on the node (so leaving the node out changes nothing). */
function signatureAllows(sig: Signature, n: ExistingNode, labels: Record<string, string>): boolean {
  const startup = new Set((n.startupTaints ?? []).map((t) => `${t.key}:${t.effect}`));
  for (const t of n.taints) {
    if (t.effect !== "NoSchedule" && t.effect !== "NoExecute") continue;
    if (isEphemeralTaint(t) || (n.inFlight && startup.has(`${t.key}:${t.effect}`))) continue;
    if (!sig.tolerations.some((tol) => toleratesTaint(tol, t))) return false;
  }
  for (const [k, v] of sig.selector) if (labels[k] !== v) return false;
  if (sig.terms && !sig.terms.some((r) => labelsMatch(labels, r))) return false;
  return true;
}

interface PoolTypes {
  nodePool: NodePool;
  /** Types by their cheapest offering the pool allows, cheapest first. */
  types: { it: InstanceType; price: number; alloc: Vec }[];
}

const SubsetMax = 40;

export class Simulator {
  simulations = 0;
  /** Existing nodes handed to the solver, summed over simulations (a cost measure for benchmarks). */
  nodesHanded = 0;
  private readonly nodes: SimNode[] = [];
  private readonly requests = new Map<V1Pod, ResourceList>();
  /** A bound pod keeps others out of its zone (or another wide domain): light nodes would lose that. */
  private readonly wideAntiAffinity: boolean;
  private readonly byRoom: SimNode[];
  private readonly pools: PoolTypes[] = [];
  private readonly usage = new Map<string, ResourceList>();
  private readonly others: V1Pod[];
  private readonly othersSelectors: Selector[];
  private readonly othersHostnameSpread: boolean;
  /** One node per zone, NodePool, instance type and capacity type: the domains topology sees. */
  private readonly representatives: SimNode[] = [];
  /** Nodes holding a pod with required anti-affinity (kept whole in light form). */
  private readonly ownerNodes: SimNode[] = [];
  private readonly matchCache = new Map<string, Map<SimNode, V1Pod[]>>();
  private readonly signatures = new Map<V1Pod, Signature>();
  private readonly compatCache = new Map<string, Set<SimNode>>();
  private readonly othersMin: Vec;
  private readonly byName = new Map<string, SimNode>();
  /** Free room of initialized nodes, in total and the most on any one node (per resource). */
  readonly totalFree: Vec = [0, 0, 0];
  readonly maxFree: Vec = [0, 0, 0];

  constructor(
    private readonly view: ClusterView,
    /** The provisioner's scheduling policies (PREFERENCE_POLICY, MIN_VALUES_POLICY). */
    private readonly policies: DisruptionOptions["scheduling"] = {},
  ) {
    let wide = false;
    for (const s of view.stateNodes) {
      if (s.markedForDeletion) continue;
      const n = this.simNode(s);
      if (!n) continue;
      this.nodes.push(n);
      this.byName.set(s.name, n);
      let owner = false;
      for (const p of s.pods) {
        const keys = requiredAntiAffinityKeys(p);
        if (keys.length > 0) owner = true;
        if (keys.some((k) => k !== HostnameLabel)) wide = true;
      }
      if (owner) this.ownerNodes.push(n);
      if (n.settled) {
        for (let i = 0; i < 3; i++) {
          this.totalFree[i]! += Math.max(0, n.free[i]!);
          this.maxFree[i] = Math.max(this.maxFree[i]!, n.free[i]!);
        }
      }
      const pool = s.nodePoolName;
      if (pool !== undefined && s.managed) {
        const u = this.usage.get(pool) ?? { nodes: 0 };
        u["nodes"]! += 1;
        for (const [k, v] of Object.entries(n.capacity)) u[k] = (u[k] ?? 0) + v;
        this.usage.set(pool, u);
      }
    }
    this.wideAntiAffinity = wide;
    const seenDomains = new Set<string>();
    for (const n of this.nodes) {
      const l = n.s.labels;
      const key = [l["topology.kubernetes.io/zone"], n.s.nodePoolName, l["karpenter.sh/capacity-type"]].join("|");
      if (seenDomains.has(key)) continue;
      seenDomains.add(key);
      this.representatives.push(n);
    }
    const maxAlloc: Vec = [1, 1, 1];
    for (const n of this.nodes) for (let i = 0; i < 3; i++) maxAlloc[i] = Math.max(maxAlloc[i]!, n.free[i]!);
    const room = (n: SimNode) => n.free[0] / maxAlloc[0] + n.free[1] / maxAlloc[1];
    this.byRoom = this.nodes.filter((n) => n.settled).sort((a, b) => room(b) - room(a));

    for (const np of view.input.nodePools) {
      if (!view.launchable(np)) continue;
      const its = view.input.instanceTypes.get(np.metadata.name ?? "") ?? [];
      const reqs = Requirements.fromSpecs(np.spec.template.spec.requirements as RequirementSpec[]);
      const types: PoolTypes["types"] = [];
      for (const it of its) {
        // Types the pool's requirements rule out (family, arch …) the solver would drop anyway.
        if (reqs.intersects(typeRequirements(it)) !== undefined) continue;
        const o = cheapestOffering(it.offerings, reqs);
        if (o) types.push({ it, price: o.price, alloc: vec(typeAllocatable(it)) });
      }
      types.sort((a, b) => a.price - b.price);
      this.pools.push({ nodePool: np, types });
    }

    this.others = [...view.deletingPods, ...view.pendingPods];
    this.othersSelectors = this.others.flatMap(topologySelectors);
    this.othersHostnameSpread = this.others.some(hostnameSpread);
    this.othersMin = this.minRequest(this.others, [Infinity, Infinity, Infinity]);
  }

  requestsOf(p: V1Pod): ResourceList {
    let r = this.requests.get(p);
    if (!r) this.requests.set(p, (r = podRequests(p)));
    return r;
  }

  private minRequest(pods: readonly V1Pod[], start: Vec): Vec {
    const m: Vec = [...start];
    for (const p of pods) {
      const r = vec(this.requestsOf(p));
      for (let i = 0; i < 3; i++) m[i] = Math.min(m[i]!, r[i]!);
    }
    return m;
  }

  private simNode(s: StateNode): SimNode | undefined {
    // What the cluster model says pods can use (net of daemonsets still to come while in flight).
    const alloc = s.allocatable;
    if (Object.keys(alloc).length === 0) return undefined;
    const capacity = capacityOf(s);
    const inFlight = s.managed && !s.initialized;
    const base = {
      name: s.name,
      ...(s.nodePoolName !== undefined ? { nodePool: s.nodePoolName } : {}),
      labels: s.labels,
      taints: s.taints,
      inFlight,
      ...(inFlight && s.startupTaints ? { startupTaints: s.startupTaints } : {}),
    };
    const used: ResourceList = {};
    const kept: V1Pod[] = [];
    const liteAlloc: ResourceList = { ...alloc };
    for (const p of s.pods) {
      const r = this.requestsOf(p);
      for (const [k, v] of Object.entries(r)) used[k] = (used[k] ?? 0) + v;
      if (hasHostPorts(p) || requiredAntiAffinityKeys(p).length > 0) kept.push(p);
      else for (const [k, v] of Object.entries(r)) liteAlloc[k] = (liteAlloc[k] ?? 0) - v;
    }
    const a = vec(alloc);
    const u = vec(used);
    const normalizedLabels: Record<string, string> = { ...s.labels, [NodeNameField]: s.name };
    for (const [k, v] of Object.entries(s.labels)) normalizedLabels[normalizeLabelKey(k)] = v;
    return {
      s,
      normalizedLabels,
      full: { ...base, allocatable: alloc, pods: s.pods },
      lite: { ...base, allocatable: liteAlloc, pods: kept },
      free: [a[0] - u[0], a[1] - u[1], a[2] - u[2]],
      settled: !inFlight && s.node !== undefined,
      capacity,
    };
  }

  /** Total requests of the pods, per resource. */
  demand(pods: readonly V1Pod[]): Vec {
    const d: Vec = [0, 0, 0];
    for (const p of pods) {
      const r = vec(this.requestsOf(p));
      for (let i = 0; i < 3; i++) d[i]! += r[i]!;
    }
    return d;
  }

  private subtractFree(free: Vec, names: ReadonlySet<string>): void {
    for (const name of names) {
      const n = this.byName.get(name);
      if (n?.settled) for (let i = 0; i < 3; i++) free[i]! -= Math.max(0, n.free[i]!);
    }
  }

  /**
   * Whether the other nodes could hold the candidates' pods at all, by room alone: their total
   * free room covers the pods' total requests and every pod fits the largest room. False proves
   * that deleting without a replacement is impossible; true proves nothing.
   */
  mightFitElsewhere(cands: readonly Candidate[]): boolean {
    const names = new Set(cands.map((c) => c.name));
    const free: Vec = [...this.totalFree];
    this.subtractFree(free, names);
    const pods = cands.flatMap((c) => c.reschedulablePods);
    const d = this.demand(pods);
    for (let i = 0; i < 3; i++) if (d[i]! > free[i]!) return false;
    for (const p of pods) {
      const r = vec(this.requestsOf(p));
      for (let i = 0; i < 3; i++) if (r[i]! > this.maxFree[i]!) return false;
    }
    return true;
  }

  /**
   * The room a replacement needs at least: what the other nodes cannot absorb in total, and every
   * pod that fits on no other node. A type smaller than this cannot be the replacement.
   */
  replacementFloor(cands: readonly Candidate[]): Vec {
    const names = new Set(cands.map((c) => c.name));
    const free: Vec = [...this.totalFree];
    this.subtractFree(free, names);
    const pods = cands.flatMap((c) => c.reschedulablePods);
    const d = this.demand(pods);
    const floor: Vec = [Math.max(0, d[0] - free[0]), Math.max(0, d[1] - free[1]), Math.max(0, d[2] - free[2])];
    for (const p of pods) {
      const r = vec(this.requestsOf(p));
      if (r.some((v, i) => v > this.maxFree[i]!)) for (let i = 0; i < 3; i++) floor[i] = Math.max(floor[i]!, r[i]!);
    }
    return floor;
  }

  /** Whether any launchable type cheaper than `price` is at least as large as `floor`. */
  cheaperTypeCouldHold(price: number, floor: Vec): boolean {
    for (const pool of this.pools) {
      for (const t of pool.types) {
        if (t.price >= price) break;
        if (t.alloc[0] >= floor[0] && t.alloc[1] >= floor[1] && t.alloc[2] >= floor[2]) return true;
      }
    }
    return false;
  }

  /** Whether any NodePool can launch anything at all. */
  get canLaunch(): boolean {
    return this.pools.some((p) => p.types.length > 0);
  }

  private launchInput(launch: LaunchPolicy): { nodePools: NodePool[]; instanceTypes: Map<string, InstanceType[]> } {
    const nodePools: NodePool[] = [];
    const instanceTypes = new Map<string, InstanceType[]>();
    if (launch.kind === "none") return { nodePools, instanceTypes };
    for (const pool of this.pools) {
      let types = pool.types;
      if (launch.kind === "cheaperThan") {
        let hi = 0;
        while (hi < types.length && types[hi]!.price < launch.price) hi++;
        types = types.slice(0, hi);
      }
      if (types.length === 0) continue;
      nodePools.push(pool.nodePool);
      instanceTypes.set(pool.nodePool.metadata.name ?? "", types.map((t) => t.it));
    }
    return { nodePools, instanceTypes };
  }

  private signatureOf(p: V1Pod): Signature {
    let sig = this.signatures.get(p);
    if (!sig) this.signatures.set(p, (sig = podSignature(p)));
    return sig;
  }

  /** Nodes a pod of this signature could be placed on, as far as taints and node selection tell (cached per pass). */
  private compatible(sig: Signature): Set<SimNode> {
    let set = this.compatCache.get(sig.key);
    if (!set) {
      set = new Set(this.nodes.filter((n) => signatureAllows(sig, n.lite, n.normalizedLabels)));
      this.compatCache.set(sig.key, set);
    }
    return set;
  }

  /** Bound pods on active nodes that a selector matches (cached per selector for the pass). */
  private matches(sel: Selector): Map<SimNode, V1Pod[]> {
    let m = this.matchCache.get(sel.key);
    if (!m) {
      m = new Map();
      for (const n of this.nodes) {
        const hit = n.s.pods.filter((p) => sel.matches(p.metadata?.labels));
        if (hit.length > 0) m.set(n, hit);
      }
      this.matchCache.set(sel.key, m);
    }
    return m;
  }

  /**
   * Where the candidates' pods would go. `alone`: place only their pods, not the pending pods and
   * those of nodes already on their way out (a drift replacement is sized for its own pods: the
   * others have the provisioner, or the commands that are taking their nodes away, to place them).
   */
  simulate(cands: readonly Candidate[], launch: LaunchPolicy, o: { alone?: boolean } = {}): SimulationResult {
    const names = new Set(cands.map((c) => c.name));
    const candPods = cands.flatMap((c) => c.reschedulablePods);
    const others = o.alone ? [] : this.others;
    const mustPlace = new Set<V1Pod>([...candPods, ...(o.alone ? [] : this.view.deletingPods)]);
    const pods = [...candPods, ...others];
    if ((!o.alone && this.othersHostnameSpread) || candPods.some(hostnameSpread)) {
      // A spread over hostnames balances against every node: hand over the whole cluster.
      return this.run(pods, this.nodes.filter((n) => !names.has(n.s.name)).map((n) => n.full), cands, mustPlace, launch);
    }
    const selectors = [...(o.alone ? [] : this.othersSelectors), ...candPods.flatMap(topologySelectors)];
    const min = this.minRequest(candPods, o.alone ? [Infinity, Infinity, Infinity] : this.othersMin);
    // Nodes that could take at least one pod that must move: room for the smallest, and taints and
    // node selection that let one of them in.
    const sigs = new Map<string, Signature>();
    for (const p of mustPlace) {
      const sig = this.signatureOf(p);
      sigs.set(sig.key, sig);
    }
    const compatible = [...sigs.values()].map((sig) => this.compatible(sig));
    const fits = (n: SimNode) => n.free[0] >= min[0] && n.free[1] >= min[1] && n.free[2] >= min[2] && compatible.some((c) => c.has(n));

    // Nodes that must be there whatever their room, with the extra pods topology counts.
    const extra = new Map<SimNode, V1Pod[]>();
    for (const sel of selectors) {
      for (const [n, hit] of this.matches(sel)) {
        if (names.has(n.s.name)) continue;
        const list = extra.get(n) ?? [];
        for (const p of hit) if (!list.includes(p)) list.push(p);
        extra.set(n, list);
      }
    }
    if (this.wideAntiAffinity) for (const n of this.ownerNodes) if (!names.has(n.s.name) && !extra.has(n)) extra.set(n, []);
    if (selectors.length > 0) for (const n of this.representatives) if (!names.has(n.s.name) && !extra.has(n)) extra.set(n, []);
    const view = (n: SimNode): ExistingNode => {
      const more = extra.get(n);
      if (!more || more.length === 0) return n.lite;
      const kept = new Set(n.lite.pods);
      const add = more.filter((p) => !kept.has(p));
      if (add.length === 0) return n.lite;
      const alloc = { ...n.lite.allocatable };
      for (const p of add) for (const [k, v] of Object.entries(this.requestsOf(p))) alloc[k] = (alloc[k] ?? 0) + v;
      return { ...n.lite, allocatable: alloc, pods: [...n.lite.pods, ...add] };
    };
    const must = [...extra.keys()];
    const chosen = (list: Iterable<SimNode>): ExistingNode[] => {
      const set = new Set<SimNode>(must);
      for (const n of list) set.add(n);
      return [...set].map(view);
    };

    if (launch.kind === "none") {
      // A few of the roomiest nodes first: a placement there holds in the whole cluster.
      const need = this.demand(candPods);
      const subset: SimNode[] = [];
      const got: Vec = [0, 0, 0];
      let more = false;
      for (const n of this.byRoom) {
        if (names.has(n.s.name) || !fits(n)) continue;
        if (subset.length >= SubsetMax || (subset.length >= 3 && got[0] >= 1.5 * need[0] && got[1] >= 1.5 * need[1] && got[2] >= need[2])) {
          more = true;
          break;
        }
        subset.push(n);
        for (let i = 0; i < 3; i++) got[i]! += n.free[i]!;
      }
      if (more) {
        const first = this.run(pods, chosen(subset), cands, mustPlace, launch);
        if (first.ok) return first;
      }
    }
    return this.run(pods, chosen(this.nodes.filter((n) => !names.has(n.s.name) && fits(n))), cands, mustPlace, launch);
  }

  private run(pods: V1Pod[], existingNodes: ExistingNode[], cands: readonly Candidate[], mustPlace: Set<V1Pod>, launch: LaunchPolicy): SimulationResult {
    this.simulations++;
    this.nodesHanded += existingNodes.length;
    const { nodePools, instanceTypes } = this.launchInput(launch);
    let nodePoolUsage: Map<string, ResourceList> | undefined;
    if (nodePools.some((np) => np.spec.limits !== undefined)) {
      nodePoolUsage = new Map();
      for (const [pool, u] of this.usage) nodePoolUsage.set(pool, { ...u });
      for (const c of cands) {
        const u = nodePoolUsage.get(c.nodePoolName ?? "");
        const n = this.byName.get(c.name);
        if (!u || !n) continue;
        u["nodes"] = (u["nodes"] ?? 0) - 1;
        for (const [k, v] of Object.entries(n.capacity)) u[k] = (u[k] ?? 0) - v;
      }
    }
    const input: SchedulingInput = {
      pods,
      nodePools,
      instanceTypes,
      existingNodes,
      daemonSets: [...(this.view.input.daemonSets ?? [])],
      ...(this.view.input.volumes ? { volumes: this.view.input.volumes } : {}),
      ...(this.view.input.namespaces ? { namespaces: [...this.view.input.namespaces] } : {}),
      ...(nodePoolUsage ? { nodePoolUsage } : {}),
      // Hundreds of these run per pass: the exact stage (up to its budget each) is left to provisioning.
      options: { ...this.policies, skipImprovement: nodePools.length === 0, exactTimeBudgetMs: 0 },
    };
    const result = solve(input);
    const failures: PodFailure[] = [];
    const deleting = new Set(this.view.deletingPods);
    const inFlight = new Set(existingNodes.filter((n) => n.inFlight).map((n) => n.name));
    for (const e of result.existingNodes) {
      if (!inFlight.has(e.name)) continue;
      for (const p of e.pods) {
        if (!mustPlace.has(p) || deleting.has(p)) continue;
        failures.push({ pod: p, kind: "UninitializedTarget", message: `pod ${podName(p)} would schedule against uninitialized nodeclaim/${e.name}`, poolConstraints: [] });
      }
    }
    for (const u of result.unschedulable) {
      if (!mustPlace.has(u.pod)) continue;
      failures.push({
        pod: u.pod,
        kind: "PodsDoNotFit",
        message: `pod ${podName(u.pod)} has nowhere to go: ${u.message || "no node has room"}`,
        poolConstraints: u.reasons.filter((r) => r.nodePool !== undefined).map((r) => r.constraint),
      });
    }
    const newClaims = result.nodeClaims.filter((c) => c.pods.some((p) => mustPlace.has(p)));
    return { ok: failures.length === 0, failures, newClaims, result };
  }
}
