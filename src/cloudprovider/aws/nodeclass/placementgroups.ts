// spec.placementGroupSelector → the EC2 placement group it names (by name or by id), as Karpenter
// v1.14 resolves it: DescribePlacementGroups filtered to state=available. Karpenter's status has no
// field for it, so the answer lives here (cached briefly) and is read by the node class status
// controller (the PlacementGroupReady condition), the instance types (placement-group labels), the
// launch (the launch template's Placement) and drift (PlacementGroupDrift).
import { DescribePlacementGroupsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { type Clock, TTLCache, systemClock } from "../cache.js";
import { awsErrorCode } from "../errors.js";

export type PlacementStrategy = "cluster" | "partition" | "spread";

export interface PlacementGroup {
  id: string;
  name: string;
  strategy: PlacementStrategy;
  /** Partitions of a partition group (1..n are its partition numbers). */
  partitionCount?: number;
  /** "rack" or "host" for a spread group. */
  spreadLevel?: string;
}

/** The selector as written, for messages: its name or its id. */
export function placementGroupSelectorText(nodeClass: EC2NodeClass): string | undefined {
  const s = nodeClass.spec.placementGroupSelector;
  return s ? (s.name ?? s.id) : undefined;
}

// EC2 answers a name or id it does not know with an error rather than an empty list.
const unknownGroupCodes = new Set(["InvalidPlacementGroup.Unknown", "InvalidGroup.NotFound", "InvalidPlacementGroupId.Malformed"]);

export class PlacementGroupProvider {
  private readonly cache: TTLCache<PlacementGroup | null>;

  constructor(
    private readonly ec2: EC2Client,
    clock: Clock = systemClock,
    ttlMs = 60_000,
  ) {
    this.cache = new TTLCache(ttlMs, clock);
  }

  /**
   * The placement group the node class selects; undefined when it selects none, null when it
   * selects one EC2 does not have (or not in state available). Throws when EC2 gives no answer.
   */
  async get(nodeClass: EC2NodeClass): Promise<PlacementGroup | null | undefined> {
    const sel = nodeClass.spec.placementGroupSelector;
    if (!sel) return undefined;
    const key = sel.id ? `id:${sel.id}` : `name:${sel.name ?? ""}`;
    return this.cache.getOrLoad(key, async () => {
      try {
        const out = await this.ec2.send(
          new DescribePlacementGroupsCommand({
            Filters: [{ Name: "state", Values: ["available"] }],
            ...(sel.id ? { GroupIds: [sel.id] } : { GroupNames: [sel.name ?? ""] }),
          }),
        );
        const g = out.PlacementGroups?.[0];
        if (!g?.GroupId) return null;
        return {
          id: g.GroupId,
          name: g.GroupName ?? "",
          strategy: (g.Strategy ?? "cluster") as PlacementStrategy,
          ...(g.PartitionCount !== undefined ? { partitionCount: g.PartitionCount } : {}),
          ...(g.SpreadLevel ? { spreadLevel: g.SpreadLevel } : {}),
        };
      } catch (err) {
        if (unknownGroupCodes.has(awsErrorCode(err) ?? "")) return null;
        throw err;
      }
    });
  }

  /** Forgets every answer (the next get asks EC2). */
  invalidate(): void {
    this.cache.clear();
  }
}

/** Partition numbers a partition group offers: "1" … "n". */
export function partitionsOf(g: PlacementGroup): string[] {
  if (g.strategy !== "partition" || !g.partitionCount || g.partitionCount <= 0) return [];
  return Array.from({ length: g.partitionCount }, (_, i) => String(i + 1));
}
