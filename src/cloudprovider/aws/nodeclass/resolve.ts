// resolveNodeClass: an EC2NodeClass's spec → its status (subnets, security groups, AMIs, instance
// profile, capacity reservations, conditions). The node class status controller calls it and
// writes the result; launches and drift checks read that status, as in Karpenter.
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Condition } from "../../../apis/common.js";
import type { EC2NodeClass, EC2NodeClassStatus } from "../../../apis/ec2nodeclass.js";
import {
  ConditionAMIsReady,
  ConditionCapacityReservationsReady,
  ConditionInstanceProfileReady,
  ConditionPlacementGroupReady,
  ConditionReady,
  ConditionSecurityGroupsReady,
  ConditionSubnetsReady,
} from "../../../apis/labels.js";
import { type Clock, systemClock } from "../cache.js";
import { ConfigurationError } from "../../errors.js";
import { ResolutionFailure } from "../errors.js";
import { resolveAMIs } from "./amis.js";
import { type ResolvedReservation, resolveCapacityReservations } from "./capacityreservations.js";
import { ensureInstanceProfile } from "./instanceprofile.js";
import { PlacementGroupProvider, placementGroupSelectorText } from "./placementgroups.js";
import { resolveSecurityGroups } from "./securitygroups.js";
import { ParameterReader } from "./ssm.js";
import { resolveSubnets } from "./subnets.js";

export interface NodeClassResolverDeps {
  ec2: EC2Client;
  iam: IAMClient;
  ssm: SSMClient;
  clusterName: string;
  region: string;
  /** The cluster's Kubernetes minor version ("1.34"), for AMI alias parameters. */
  kubernetesVersion: () => Promise<string>;
  clock?: Clock;
  /** Shared with the launch and drift checks, so all three see one answer. */
  placementGroups?: PlacementGroupProvider;
}

/**
 * A part of the status that could not be refreshed: its AWS call gave no answer. The part keeps
 * what the last successful resolution found (if any), and the node class controller retries soon.
 */
export interface RefreshFailure {
  /** The condition of the part, e.g. SubnetsReady. */
  condition: string;
  /** The spec field being resolved, e.g. spec.subnetSelectorTerms. */
  field: string;
  /** The call that failed, as its IAM action, e.g. ec2:DescribeSubnets. */
  call: string;
  /** Names the node class, the field, the call and AWS's error. */
  message: string;
  /** Whether the part kept its last resolved value (false: it never resolved, and stays not ready). */
  kept: boolean;
}

/** The resolver's answer: the status to write, and the parts whose refresh failed this time. */
export type ResolvedStatus = EC2NodeClassStatus & { refreshFailures?: RefreshFailure[] };

// placementGroup has no status field in Karpenter's CRD: only its condition is written.
type StatusField = "subnets" | "securityGroups" | "amis" | "instanceProfile" | "capacityReservations" | "placementGroup";

interface Part<T> {
  condition: string;
  field: StatusField;
  value?: T;
  /** A definitive answer that the part cannot be resolved (no match, no such role …). */
  error?: string;
  /** No answer at all: the call failed. */
  failure?: ResolutionFailure;
}

async function attempt<T>(condition: string, field: StatusField, nodeClass: string, f: () => Promise<T>): Promise<Part<T>> {
  try {
    return { condition, field, value: await f() };
  } catch (err) {
    if (err instanceof ConfigurationError) return { condition, field, error: err.message };
    // Anything else (a throttled or failed call, a network error …) teaches nothing about the spec.
    const failure = err instanceof ResolutionFailure ? err : new ResolutionFailure(nodeClass, `status.${field}`, "resolving", err);
    return { condition, field, failure };
  }
}

export class NodeClassResolver {
  readonly parameters: ParameterReader;
  private readonly clock: Clock;
  /** Reservation availability from the last resolution, by node class name (status has no room for it). */
  readonly reservations = new Map<string, ResolvedReservation[]>();
  readonly placementGroups: PlacementGroupProvider;

  constructor(private readonly deps: NodeClassResolverDeps) {
    this.parameters = new ParameterReader(deps.ssm, deps.clock);
    this.clock = deps.clock ?? systemClock;
    this.placementGroups = deps.placementGroups ?? new PlacementGroupProvider(deps.ec2, this.clock);
  }

  /**
   * The node class's status as AWS has it now. Never throws for AWS or configuration problems. A
   * definitive answer (nothing matches, no such role) becomes a False condition whose message names
   * the node class, the field and the fix. A call that gave no answer (throttled, 5xx, denied)
   * changes nothing: the part keeps what the last resolution found — its field and its True
   * condition, whose message then says what failed — and is listed in refreshFailures. A status is
   * thus always one whole resolution per part, never a partial one (a drift check reading it must
   * not see half the AMIs).
   */
  async resolveNodeClass(nodeClass: EC2NodeClass): Promise<ResolvedStatus> {
    const d = this.deps;
    const name = nodeClass.metadata.name ?? "";
    const [subnets, securityGroups, amis, instanceProfile, reservations, placementGroup] = await Promise.all([
      attempt(ConditionSubnetsReady, "subnets", name, () => resolveSubnets(d.ec2, nodeClass)),
      attempt(ConditionSecurityGroupsReady, "securityGroups", name, () => resolveSecurityGroups(d.ec2, nodeClass)),
      attempt(ConditionAMIsReady, "amis", name, () => resolveAMIs(nodeClass, { ec2: d.ec2, parameters: this.parameters, kubernetesVersion: d.kubernetesVersion })),
      attempt(ConditionInstanceProfileReady, "instanceProfile", name, () => ensureInstanceProfile(nodeClass, { iam: d.iam, clusterName: d.clusterName, region: d.region })),
      attempt(ConditionCapacityReservationsReady, "capacityReservations", name, () => resolveCapacityReservations(d.ec2, nodeClass, this.clock)),
      attempt(ConditionPlacementGroupReady, "placementGroup", name, async () => {
        const g = await this.placementGroups.get(nodeClass).catch((err: unknown) => {
          throw new ResolutionFailure(name, "spec.placementGroupSelector", "ec2:DescribePlacementGroups", err);
        });
        if (g === null) {
          throw new ConfigurationError(
            `EC2NodeClass "${name}": spec.placementGroupSelector: placement group "${placementGroupSelectorText(nodeClass) ?? ""}" not found (or not available); create it or fix the selector`,
          );
        }
        return g ?? "none";
      }),
    ]);
    if (reservations.value) this.reservations.set(name, reservations.value);
    const fresh: Partial<EC2NodeClassStatus> = {
      ...(subnets.value ? { subnets: subnets.value.map((s) => ({ id: s.id, zone: s.zone, ...(s.zoneID ? { zoneID: s.zoneID } : {}) })) } : {}),
      ...(securityGroups.value ? { securityGroups: securityGroups.value } : {}),
      ...(amis.value ? { amis: amis.value.map((a) => ({ id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.deprecated ? { deprecated: true } : {}), requirements: a.requirements })) } : {}),
      ...(instanceProfile.value ? { instanceProfile: instanceProfile.value } : {}),
      ...(reservations.value && reservations.value.length > 0
        ? { capacityReservations: reservations.value.map(({ availableInstanceCount: _unused, ...r }) => r) }
        : {}),
    };
    const parts: Part<unknown>[] = [subnets, securityGroups, amis, instanceProfile, placementGroup];
    if ((nodeClass.spec.capacityReservationSelectorTerms ?? []).length > 0) parts.push(reservations);
    const previous = nodeClass.status;
    const now = new Date(this.clock()).toISOString();
    const generation = nodeClass.metadata.generation;
    const condition = (type: string, ok: boolean, reason: string, message: string): Condition => {
      const status = ok ? "True" : "False";
      const before = previous?.conditions?.find((c) => c.type === type);
      return {
        type,
        status,
        // The transition time moves only when the status does, as Kubernetes conventions ask.
        lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
        reason,
        message,
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      };
    };
    const status: EC2NodeClassStatus = { ...fresh };
    const conditions: Condition[] = [];
    const refreshFailures: RefreshFailure[] = [];
    for (const p of parts) {
      const base = p.condition.replace(/Ready$/, "");
      if (p.failure) {
        const last = lastGood(previous, p);
        const f = p.failure;
        refreshFailures.push({ condition: p.condition, field: f.field, call: f.call, message: f.message, kept: last.ok });
        if (last.ok) {
          if (last.value !== undefined) (status as Record<StatusField, unknown>)[p.field] = last.value;
          conditions.push(condition(p.condition, true, p.condition, `${f.message} (status.${p.field} is kept from the last successful resolution)`));
        } else conditions.push(condition(p.condition, false, `${base}ResolutionFailed`, f.message));
      } else if (p.error !== undefined) conditions.push(condition(p.condition, false, p.field === "placementGroup" ? "PlacementGroupNotFound" : `${base}NotReady`, p.error));
      else conditions.push(condition(p.condition, true, p.condition, ""));
    }
    const failing = conditions.filter((c) => c.status !== "True");
    conditions.push(
      failing.length === 0 ? condition(ConditionReady, true, ConditionReady, "") : condition(ConditionReady, false, "NotReady", failing.map((c) => c.message).join("\n")),
    );
    return { ...status, conditions, ...(refreshFailures.length > 0 ? { refreshFailures } : {}) };
  }
}

/** What the last status holds for a part, if its condition said it resolved (a usable last good value). */
function lastGood(previous: EC2NodeClassStatus | undefined, p: Part<unknown>): { ok: boolean; value?: unknown } {
  const c = previous?.conditions?.find((x) => x.type === p.condition);
  if (c?.status !== "True") return { ok: false };
  // The group itself is in the provider's cache, not in the status: only the condition is kept.
  if (p.field === "placementGroup") return { ok: true };
  const value = previous?.[p.field];
  // Every part but capacity reservations has something when it resolved; reservations may be none.
  const present = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== "";
  if (!present && p.field !== "capacityReservations") return { ok: false };
  return { ok: true, ...(present ? { value } : {}) };
}

/** One-shot form of NodeClassResolver.resolveNodeClass (a resolver kept around also keeps its SSM cache). */
export function resolveNodeClass(nodeClass: EC2NodeClass, deps: NodeClassResolverDeps): Promise<ResolvedStatus> {
  return new NodeClassResolver(deps).resolveNodeClass(nodeClass);
}

/** Whether the status says the node class can launch: every resolution succeeded. */
export function isNodeClassReady(nodeClass: EC2NodeClass): boolean {
  return nodeClass.status?.conditions?.some((c) => c.type === ConditionReady && c.status === "True") === true;
}
