// The one builder of the solver's input from the cluster model: the provisioner, disruption's
// simulations and `tenon simulate` hand the solver the same existing capacity, read the same way.
import type { V1Pod } from "@kubernetes/client-node";
import { NodePoolLabel } from "../apis/labels.js";
import type { NodePool } from "../apis/nodepool.js";
import type { InstanceType, ResourceList } from "../cloudprovider/types.js";
import type { ExistingNode, SchedulingInput } from "../scheduling/types.js";
import type { ClusterModel, StateNode } from "./model.js";
import { podKey } from "./predicates.js";

/** A state node as existing capacity for the solver. */
export function existingNode(s: StateNode): ExistingNode {
  const pool = s.labels[NodePoolLabel];
  return {
    name: s.name,
    ...(pool !== undefined ? { nodePool: pool } : {}),
    labels: s.labels,
    taints: s.taints,
    allocatable: s.allocatable,
    pods: s.pods,
    inFlight: s.inFlight,
    ...(s.markedForDeletion ? { markedForDeletion: true } : {}),
    ...(s.inFlight && s.startupTaints ? { startupTaints: s.startupTaints } : {}),
  };
}

/** The pods that need a place: pending ones not yet planned onto a claim, and those of nodes on their way out. */
export function podsToPlace(model: ClusterModel): V1Pod[] {
  const out: V1Pod[] = [];
  const seen = new Set<string>();
  for (const p of [...model.pendingPods, ...model.deletingPods]) {
    const key = podKey(p);
    if (model.nominated.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

export interface SolverInputOptions {
  /** The NodePools new claims may come from. */
  nodePools: NodePool[];
  instanceTypes: Map<string, InstanceType[]>;
  /** The pods to place; podsToPlace(model) by default. */
  pods?: V1Pod[];
  /** Existing capacity; every state node by default. */
  nodes?: readonly StateNode[];
  /** Usage against limits; the model's (with estimates for unlaunched claims) by default. */
  usage?: Map<string, ResourceList>;
  volumes?: SchedulingInput["volumes"];
  namespaces?: SchedulingInput["namespaces"];
  options?: SchedulingInput["options"];
}

export function schedulingInput(model: ClusterModel, o: SolverInputOptions): SchedulingInput {
  return {
    pods: o.pods ?? podsToPlace(model),
    nodePools: o.nodePools,
    instanceTypes: o.instanceTypes,
    existingNodes: (o.nodes ?? model.stateNodes).map(existingNode),
    daemonSets: [...model.sources.daemonSets],
    ...(o.volumes ? { volumes: o.volumes } : {}),
    ...(o.namespaces ? { namespaces: o.namespaces } : {}),
    nodePoolUsage: o.usage ?? model.nodePoolUsage(),
    ...(o.options ? { options: o.options } : {}),
  };
}
