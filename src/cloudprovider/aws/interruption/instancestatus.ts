// EC2's own view of an instance's health (DescribeInstanceStatus), as Karpenter's AWS provider
// (v1.14) reads it without any interruption queue: failed instance status checks (the VM),
// failed system status checks (the host), and scheduled events (reboot, maintenance, retirement,
// stop). A failed check counts once it has lasted two minutes; a scheduled event counts at once —
// something is wrong with the host and the instance should leave it, as a Health scheduled change
// from EventBridge says. EBS status checks are not acted on (a failing volume may be a pod's, not
// the node's), as in Karpenter.
import { type EC2Client, DescribeInstanceStatusCommand, type Filter, type InstanceStatus } from "@aws-sdk/client-ec2";

export type StatusCategory = "InstanceStatus" | "SystemStatus" | "EventStatus";

/** The interruption kind (Karpenter's message kind) each category is handled as. */
export const kindOfCategory = { InstanceStatus: "instance_status", SystemStatus: "system_status", EventStatus: "event_status" } as const;
export type InstanceStatusKind = (typeof kindOfCategory)[StatusCategory];

export interface InstanceHealth {
  instanceID: string;
  /** The categories with a failure worth acting on, each once. */
  categories: StatusCategory[];
  /** The earliest of those failures, ms since epoch. */
  impairedSince: number;
}

/** How long a failed status check must last before the instance counts as unhealthy. */
export const unhealthyAfterMs = 120_000;

// DescribeInstanceStatus ANDs filters of different names; one call per set ORs them.
export const statusFilterSets: Filter[][] = [
  [{ Name: "instance-status.status", Values: ["impaired"] }],
  [{ Name: "system-status.status", Values: ["impaired"] }],
  [{ Name: "event.code", Values: ["instance-reboot", "system-reboot", "system-maintenance", "instance-retirement", "instance-stop"] }],
];

/** Pure: the unhealthy instances among DescribeInstanceStatus answers (each instance once). */
export function unhealthyInstances(statuses: readonly InstanceStatus[], now: number): InstanceHealth[] {
  const out: InstanceHealth[] = [];
  const seen = new Set<string>();
  for (const s of statuses) {
    const id = s.InstanceId;
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const failures: { category: StatusCategory; since: number }[] = [];
    const checks = [
      ["InstanceStatus", s.InstanceStatus?.Details ?? []],
      ["SystemStatus", s.SystemStatus?.Details ?? []],
    ] as const;
    for (const [category, details] of checks) {
      for (const d of details) {
        if (d.Status !== "failed") continue;
        // A failure without a start time is taken as just begun.
        const since = d.ImpairedSince?.getTime() ?? now;
        if (now - since >= unhealthyAfterMs) failures.push({ category, since });
      }
    }
    // Scheduled events often lie in the future: no waiting, they count from now.
    if ((s.Events ?? []).length > 0) failures.push({ category: "EventStatus", since: now });
    if (failures.length === 0) continue;
    out.push({ instanceID: id, categories: [...new Set(failures.map((f) => f.category))], impairedSince: Math.min(...failures.map((f) => f.since)) });
  }
  return out;
}

/** Reads the statuses from EC2: one paginated call per filter set. */
export class EC2InstanceStatuses {
  constructor(
    private readonly ec2: Pick<EC2Client, "send">,
    private readonly now: () => number,
  ) {}

  async list(signal?: AbortSignal): Promise<InstanceHealth[]> {
    const statuses: InstanceStatus[] = [];
    for (const filters of statusFilterSets) {
      let token: string | undefined;
      do {
        const res = await this.ec2.send(new DescribeInstanceStatusCommand({ Filters: filters, ...(token ? { NextToken: token } : {}) }), signal ? { abortSignal: signal } : {});
        statuses.push(...(res.InstanceStatuses ?? []));
        token = res.NextToken;
      } while (token);
    }
    return unhealthyInstances(statuses, this.now());
  }
}
