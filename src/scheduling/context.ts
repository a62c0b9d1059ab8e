import type { V1Pod } from "@kubernetes/client-node";
import { podRequests } from "./podrequests.js";
import { type DaemonPod, daemonPods } from "./daemonsets.js";
import { podHostPorts as podHostPortsOf } from "./hostports.js";
import { RequirementsTable } from "./interning.js";
import { PoolContext, orderPools } from "./nodepools.js";
import { TypeViews } from "./typeviews.js";
import { parseResourceList } from "../core/quantity.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import { ResourceIndex } from "./resources.js";
import { type Shape, ShapeBuilder } from "./shapes.js";
import { NodeSlot, type PossibleCache } from "./targets.js";
import { isEphemeralTaint } from "./taints.js";
import { TopologyRegistry } from "./topology/registry.js";
import { rejectedInput } from "./rejected.js";
import type { RejectedInput, SchedulingInput } from "./types.js";
import { VolumeCatalog } from "./volumes.js";
import { NodeNameField } from "../core/labelkeys.js";
import { WellKnownLabels } from "./wellknown.js";
import { isTerminal } from "../state/predicates.js";

/** Everything the solver derives from its input before placing the first pod. */
export interface SolveContext {
  input: SchedulingInput;
  resources: ResourceIndex;
  table: RequirementsTable;
  /** In the order new claims are tried: weight, then name. */
  pools: PoolContext[];
  nodes: NodeSlot[];
  registry: TopologyRegistry;
  shapes: Shape[];
  /** The shape of each input pod, by index. */
  podShape: Shape[];
  /** The smallest request of any pod, per resource: a node with less room than this is full. */
  minRequest: Float64Array;
  maxInstanceTypes: number;
  possibleCache: PossibleCache;
  daemons: DaemonPod[];
  /** Per resource, its price at the lower bound's LP solution (what capacity is worth); set before packing. */
  prices: Float64Array;
  /** Input objects left out because they could not be read. */
  rejected: RejectedInput[];
}


export function buildContext(input: SchedulingInput): SolveContext {
  const resources = new ResourceIndex();
  const table = new RequirementsTable(WellKnownLabels);
  const pending = new Set(input.pods.map((p) => p.metadata?.uid).filter((u): u is string => !!u));
  const rejected: RejectedInput[] = [];

  // Every resource name first, so all vectors have one length.
  const daemons = daemonPods(input.daemonSets, (r) => rejected.push(r));
  for (const d of daemons) resources.register(d.requests);
  for (const its of input.instanceTypes.values()) {
    for (const it of its) {
      resources.register(it.capacity);
      resources.register(it.overhead.kubeReserved);
      resources.register(it.overhead.systemReserved);
      resources.register(it.overhead.evictionThreshold);
    }
  }
  // A NodePool that cannot be read is left out (its pods are explained as finding no pool), not the solve.
  const nodePools = input.nodePools.filter((np) => {
    const problem = nodePoolProblem(np);
    if (problem) rejected.push(problem);
    return problem === undefined;
  });
  for (const np of nodePools) for (const name of Object.keys(parseResourceList(np.spec.limits ?? {}))) if (name !== "nodes") resources.slot(name);
  const boundRequests = new Map<V1Pod, Record<string, number>>();
  // A node whose bound pods cannot be read has unknown free room: it takes no new pod.
  const unreadable = new Set<string>();
  for (const n of input.existingNodes) {
    resources.register(n.allocatable);
    for (const p of n.pods) {
      if (isTerminal(p)) continue;
      let r: Record<string, number>;
      try {
        r = podRequests(p);
      } catch (e) {
        rejected.push(rejectedInput("Pod", `${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? ""}`, e));
        unreadable.add(n.name);
        continue;
      }
      boundRequests.set(p, r);
      resources.register(r);
    }
  }

  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const ns of input.namespaces ?? []) namespaceLabels.set(ns.metadata?.name ?? "", ns.metadata?.labels ?? {});

  // Existing nodes: labels are facts; free capacity is allocatable less what bound pods request.
  const nodeInputs = input.existingNodes.map((n) => {
    const startup = new Set((n.startupTaints ?? []).map((t) => `${t.key}:${t.effect}`));
    const taints = n.taints.filter((t) => !isEphemeralTaint(t) && !(n.inFlight && startup.has(`${t.key}:${t.effect}`)));
    const reqs = Requirements.fromLabels(n.labels).add(Requirement.create(NodeNameField, "In", [n.name]));
    return { n, taints, reqId: table.intern(reqs) };
  });
  const topologyNodes = nodeInputs.map(({ n, taints }) => ({ name: n.name, labels: n.labels, taints }));
  const registry = new TopologyRegistry(topologyNodes, namespaceLabels);

  const preferNoScheduleTaints =
    nodePools.some((np) => (np.spec.template.spec.taints ?? []).some((t) => t.effect === "PreferNoSchedule")) ||
    nodeInputs.some(({ taints }) => taints.some((t) => t.effect === "PreferNoSchedule"));
  const volumes = new VolumeCatalog(input.volumes);
  const builder = new ShapeBuilder(table, resources, registry, volumes, { ignorePreferences: input.options?.ignorePreferences ?? false, preferNoScheduleTaints });
  const podShape = input.pods.map((p, i) => builder.add(p, i));

  // Bound pods count towards topology (unless they are the ones being rescheduled, finishing or leaving).
  nodeInputs.forEach(({ n }, i) => {
    if (n.markedForDeletion) return;
    for (const p of n.pods) {
      if (isTerminal(p) || p.metadata?.deletionTimestamp || (p.metadata?.uid && pending.has(p.metadata.uid))) continue;
      registry.addBoundPod(p, topologyNodes[i]!);
      if ((p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0) registry.addBoundAntiAffinityOwner(p, topologyNodes[i]!);
    }
  });

  // One set of per-type facts and views for every NodePool: N NodePools over one catalog cost one catalog.
  const views = new TypeViews(table, resources, daemons, input.instanceTypes.values());
  const pools = orderPools(
    nodePools.map((np, i) => new PoolContext(i, np, input.instanceTypes.get(np.metadata.name ?? "") ?? [], daemons, resources, table, input.nodePoolUsage?.get(np.metadata.name ?? ""), views)),
  );
  pools.forEach((p, i) => (p.index = i));
  const strictMinValues = (input.options?.minValuesPolicy ?? "Strict") === "Strict";
  for (const p of pools) p.strictMinValues = strictMinValues;

  const nodes = nodeInputs.map(({ n, taints, reqId }, i) => {
    const free = resources.vector(n.allocatable);
    for (const p of n.pods) {
      const r = boundRequests.get(p);
      if (r) for (const [k, v] of Object.entries(r)) free[resources.slot(k)]! -= v;
    }
    const slot = new NodeSlot(i, n.name, n.labels, taints, reqId, free, !n.markedForDeletion && !unreadable.has(n.name), n.nodePool);
    for (const p of n.pods) if (!isTerminal(p)) slot.hostPorts.add(podHostPortsOf(p));
    return slot;
  });
  // Real nodes first, in-flight claims after: capacity that exists now is the surest place for a pod.
  nodes.sort((a, b) => Number(input.existingNodes[a.index]!.inFlight) - Number(input.existingNodes[b.index]!.inFlight) || a.index - b.index);

  builder.finalize();
  registry.finalize(pools);

  const minRequest = new Float64Array(resources.size).fill(Number.POSITIVE_INFINITY);
  for (const s of builder.shapes) for (let i = 0; i < minRequest.length; i++) minRequest[i] = Math.min(minRequest[i]!, s.request[i]!);
  for (let i = 0; i < minRequest.length; i++) if (minRequest[i] === Number.POSITIVE_INFINITY) minRequest[i] = 0;

  return {
    input,
    resources,
    table,
    pools,
    nodes,
    registry,
    shapes: builder.shapes,
    podShape,
    minRequest,
    maxInstanceTypes: input.options?.maxInstanceTypes ?? 60,
    possibleCache: new Map(),
    daemons,
    prices: new Float64Array(resources.size),
    rejected,
  };
}


/** Why a NodePool cannot take part in a solve (a limit or a requirement the solver cannot read), if so. */
function nodePoolProblem(np: SchedulingInput["nodePools"][number]): RejectedInput | undefined {
  const name = np.metadata.name ?? "";
  try {
    parseResourceList(np.spec.limits ?? {}, "spec.limits");
  } catch (e) {
    return rejectedInput("NodePool", name, e);
  }
  for (const [i, r] of np.spec.template.spec.requirements.entries()) {
    try {
      Requirement.fromSpec(r);
    } catch (e) {
      return rejectedInput("NodePool", name, e, `spec.template.spec.requirements[${i}]`);
    }
  }
  return undefined;
}
