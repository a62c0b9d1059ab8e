// What a NodePool has provisioned: the capacity of its NodeClaims' nodes and how many there are.
// It is both the NodePool's status.resources (Karpenter's counter controller) and what its limits
// are checked against when new NodeClaims are planned.
import type { V1Node } from "@kubernetes/client-node";
import { NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { ResourceList } from "../../cloudprovider/types.js";
import { formatQuantity, parseResourceList } from "../../core/quantity.js";
import { addInto } from "../../core/resources.js";

/** The resource name NodePool limits and status use for the node count. */
export const NodesResource = "nodes";

/** Karpenter's status.resources always lists these, zero when nothing is provisioned. */
export const BaseResources = ["cpu", "memory", "pods", "ephemeral-storage", NodesResource] as const;

export interface UsageOptions {
  /**
   * The capacity to count for a claim that does not know its own yet (not launched): the
   * provisioner counts the largest instance type it may become, so limits hold before launch.
   * Without it such claims count as one node and no resources, as Karpenter's status does.
   */
  estimate?: (claim: NodeClaim) => ResourceList | undefined;
}

function quantities(list: Record<string, unknown> | undefined): ResourceList {
  try {
    return parseResourceList(list as Record<string, string | number> | undefined);
  } catch {
    return {};
  }
}

/**
 * Usage per NodePool: each NodeClaim labelled with the pool counts its Node's capacity (the truth
 * once registered), else its own status capacity, else the estimate; Nodes labelled with a pool
 * but without a NodeClaim count too. Every entry includes `nodes`.
 */
export function nodePoolUsage(claims: readonly NodeClaim[], nodes: readonly V1Node[], opts: UsageOptions = {}): Map<string, ResourceList> {
  const byPool = new Map<string, ResourceList>();
  const usageOf = (pool: string): ResourceList => {
    let u = byPool.get(pool);
    if (!u) byPool.set(pool, (u = { [NodesResource]: 0 }));
    return u;
  };
  const nodeByProviderID = new Map<string, V1Node>();
  for (const n of nodes) if (n.spec?.providerID) nodeByProviderID.set(n.spec.providerID, n);
  const claimedProviderIDs = new Set<string>();
  for (const c of claims) {
    const pool = c.metadata.labels?.[NodePoolLabel];
    if (!pool) continue;
    const providerID = c.status?.providerID;
    if (providerID) claimedProviderIDs.add(providerID);
    const node = providerID ? nodeByProviderID.get(providerID) : undefined;
    const u = usageOf(pool);
    u[NodesResource]! += 1;
    if (node?.status?.capacity) addInto(u, quantities(node.status.capacity));
    else if (c.status?.capacity && Object.keys(c.status.capacity).length > 0) addInto(u, quantities(c.status.capacity));
    else addInto(u, opts.estimate?.(c) ?? {});
  }
  for (const n of nodes) {
    const pool = n.metadata?.labels?.[NodePoolLabel];
    if (!pool || (n.spec?.providerID && claimedProviderIDs.has(n.spec.providerID))) continue;
    const u = usageOf(pool);
    u[NodesResource]! += 1;
    addInto(u, quantities(n.status?.capacity));
  }
  return byPool;
}

/** status.resources as Karpenter writes it: quantities as strings, the base resources always present. */
export function statusResources(usage: ResourceList | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of BaseResources) out[r] = formatQuantity(usage?.[r] ?? 0, r);
  for (const [r, v] of Object.entries(usage ?? {}).sort(([a], [b]) => a.localeCompare(b))) out[r] = formatQuantity(v, r);
  return out;
}

/**
 * The first limit the usage plus `adding` would exceed, as a message naming the resource, or
 * undefined when every limit holds. `limits` are the NodePool's spec.limits.
 */
export function exceededLimit(limits: Record<string, string | number> | undefined, usage: ResourceList | undefined, adding: ResourceList = {}): string | undefined {
  const parsed = quantities(limits);
  for (const [name, limit] of Object.entries(parsed)) {
    const used = usage?.[name] ?? 0;
    const total = used + (adding[name] ?? 0);
    if (total > limit) {
      return `${name} limit ${formatQuantity(limit, name)} would be exceeded: ${formatQuantity(used, name)} in use${adding[name] ? ` plus ${formatQuantity(adding[name], name)} for the new node` : ""}`;
    }
  }
  return undefined;
}
