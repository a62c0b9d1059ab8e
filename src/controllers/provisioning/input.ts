// The solver's input for the provisioner, read from the one cluster model (src/state/model.ts):
// the pods that need a place, the capacity that exists or is on its way (Nodes, and NodeClaims
// whose Node has not registered yet, with the pods already planned onto them), and what each
// NodePool has used of its limits. Pure: the provisioner hands in plain lists.
import type { V1DaemonSet, V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { InstanceType } from "../../cloudprovider/types.js";
import type { SchedulingInput } from "../../scheduling/types.js";
import { ClusterModel, type ModelIndex } from "../../state/model.js";
import { schedulingInput } from "../../state/solverinput.js";

/** The cluster as the provisioner sees it for one solve. */
export interface ClusterView {
  pods: readonly V1Pod[];
  nodes: readonly V1Node[];
  /** Every NodeClaim: the cached ones and those just created that the cache does not show yet. */
  nodeClaims: readonly NodeClaim[];
  daemonSets: readonly V1DaemonSet[];
  /** NodePools, for the startup taints of nodes whose NodeClaim is not known. */
  nodePools?: readonly NodePool[];
  /** The watches' pod indexes (ClusterState.index), so the pods are not re-indexed per solve. */
  index?: ModelIndex;
}

export interface BuildOptions {
  /** The NodePools new claims may come from (Ready, not deleting, allowed now). */
  nodePools: NodePool[];
  /** Instance types by NodePool name (also used to size in-flight claims of those pools). */
  instanceTypes: Map<string, InstanceType[]>;
  /** Pods planned onto in-flight NodeClaims: claim name → pod keys (namespace/name). */
  nominations: ReadonlyMap<string, ReadonlySet<string>>;
  volumes?: SchedulingInput["volumes"];
  namespaces?: SchedulingInput["namespaces"];
  now?: number;
}

export interface BuiltInput {
  input: SchedulingInput;
  model: ClusterModel;
  /** In-flight NodeClaims (no Node yet), by claim name, which is also their existing-node name. */
  claimsWithoutNode: Map<string, NodeClaim>;
  /** Names of existing nodes that are in flight (claims without a Node, uninitialized Nodes). */
  inFlight: Set<string>;
  /** NodeClaim name of each existing Node that has one. */
  claimOfNode: Map<string, string>;
}

export function buildSchedulingInput(view: ClusterView, opts: BuildOptions): BuiltInput {
  const model = ClusterModel.build(
    { nodes: view.nodes, nodeClaims: view.nodeClaims, pods: view.pods, daemonSets: view.daemonSets, ...(view.nodePools ? { nodePools: view.nodePools } : {}), ...(view.index ? { index: view.index } : {}) },
    { now: opts.now ?? Date.now(), instanceTypes: opts.instanceTypes, nominations: opts.nominations },
  );
  const claimsWithoutNode = new Map<string, NodeClaim>();
  const inFlight = new Set<string>();
  const claimOfNode = new Map<string, string>();
  for (const s of model.stateNodes) {
    if (s.inFlight) inFlight.add(s.name);
    if (s.claim && !s.node) claimsWithoutNode.set(s.name, s.claim);
    if (s.claim && s.node) claimOfNode.set(s.name, s.claim.metadata.name ?? "");
  }
  const input = schedulingInput(model, { nodePools: opts.nodePools, instanceTypes: opts.instanceTypes, ...(opts.volumes ? { volumes: opts.volumes } : {}), ...(opts.namespaces ? { namespaces: opts.namespaces } : {}) });
  return { input, model, claimsWithoutNode, inFlight, claimOfNode };
}
