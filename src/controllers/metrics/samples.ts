// What Karpenter's node, cluster and NodePool-cost gauges read, computed from the one cluster model
// (src/state/model.ts) at scrape time, so that a scrape always shows the cluster as the watches
// hold it now. Pure: a model in, samples out.
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { ResourceList } from "../../cloudprovider/types.js";
import { canonicalScale, parseResourceList } from "../../core/quantity.js";
import { addInto, subtractFloor } from "../../core/resources.js";
import { nodeMetricLabels, resourceTypeLabel } from "../../operator/metrics.js";
import { podRequests } from "../../scheduling/podrequests.js";
import type { ClusterModel, StateNode } from "../../state/model.js";
import { isOwnedByDaemonSet } from "../../state/predicates.js";

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export type NodeGauge = "allocatable" | "podRequests" | "podLimits" | "daemonRequests" | "daemonLimits" | "systemOverhead";

export interface ClusterSamples {
  nodes: Record<NodeGauge, Sample[]>;
  lifetime: Sample[];
  utilization: Sample[];
  /** Hourly price of each NodePool's nodes and claims, where prices are known. */
  nodePoolCost: Sample[];
  nodeCount: number;
}

/** Reads quantities leniently: a field the metrics cannot read counts as none rather than failing a scrape. */
function lenient(list: Record<string, string | number> | undefined): ResourceList {
  try {
    return parseResourceList(list);
  } catch {
    return {};
  }
}

function containerLimits(containers: readonly V1Container[] | undefined): ResourceList {
  const out: ResourceList = {};
  for (const c of containers ?? []) addInto(out, lenient(c.resources?.limits));
  return out;
}

function safeRequests(pod: V1Pod): ResourceList {
  try {
    return podRequests(pod);
  } catch {
    return {};
  }
}

/** Karpenter's value of a quantity: cores for cpu, base units otherwise. */
const metricValue = (resource: string, v: number): number => v / canonicalScale(resource);

function resourceSamples(base: Record<string, string>, list: ResourceList): Sample[] {
  return Object.entries(list).map(([r, v]) => ({ labels: { ...base, resource_type: resourceTypeLabel(r) }, value: metricValue(r, v) }));
}

function nodeTotals(s: StateNode) {
  const totals = { podRequests: {} as ResourceList, podLimits: {} as ResourceList, daemonRequests: {} as ResourceList, daemonLimits: {} as ResourceList };
  for (const pod of s.pods) {
    const req = safeRequests(pod);
    const lim = containerLimits(pod.spec?.containers);
    addInto(totals.podRequests, req);
    addInto(totals.podLimits, lim);
    if (isOwnedByDaemonSet(pod)) {
      addInto(totals.daemonRequests, req);
      addInto(totals.daemonLimits, lim);
    }
  }
  return totals;
}

/** Every node gauge, the cluster utilization and the NodePool costs, for the model as it is at `now`. */
export function clusterSamples(model: ClusterModel, now: number): ClusterSamples {
  const nodes: Record<NodeGauge, Sample[]> = { allocatable: [], podRequests: [], podLimits: [], daemonRequests: [], daemonLimits: [], systemOverhead: [] };
  const lifetime: Sample[] = [];
  const allocatableSum: ResourceList = {};
  const requestedSum: ResourceList = {};
  const cost = new Map<string, number>();
  for (const s of model.stateNodes) {
    if (s.nodePoolName !== undefined && s.price !== undefined) cost.set(s.nodePoolName, (cost.get(s.nodePoolName) ?? 0) + s.price);
    else if (s.nodePoolName !== undefined && !cost.has(s.nodePoolName)) cost.set(s.nodePoolName, 0);
    const node = s.node;
    if (!node) continue;
    const labels = nodeMetricLabels({ name: s.name, labels: node.metadata?.labels ?? {}, phase: node.status?.phase ?? "", managed: s.managed });
    const allocatable = lenient(node.status?.allocatable);
    const capacity = lenient(node.status?.capacity);
    const totals = nodeTotals(s);
    nodes.allocatable.push(...resourceSamples(labels, allocatable));
    nodes.systemOverhead.push(...resourceSamples(labels, subtractFloor(capacity, allocatable)));
    nodes.podRequests.push(...resourceSamples(labels, totals.podRequests));
    nodes.podLimits.push(...resourceSamples(labels, totals.podLimits));
    nodes.daemonRequests.push(...resourceSamples(labels, totals.daemonRequests));
    nodes.daemonLimits.push(...resourceSamples(labels, totals.daemonLimits));
    const created = Date.parse(String(node.metadata?.creationTimestamp ?? ""));
    lifetime.push({ labels, value: Number.isFinite(created) ? Math.max(0, (now - created) / 1000) : 0 });
    addInto(allocatableSum, allocatable);
    addInto(requestedSum, totals.podRequests);
  }
  const utilization = Object.entries(allocatableSum)
    .filter(([, v]) => v > 0)
    .map(([r, v]) => ({ labels: { resource_type: resourceTypeLabel(r) }, value: (100 * (requestedSum[r] ?? 0)) / v }));
  const nodePoolCost = [...cost].map(([nodepool, value]) => ({ labels: { nodepool }, value }));
  return { nodes, lifetime, utilization, nodePoolCost, nodeCount: model.stateNodes.length };
}
