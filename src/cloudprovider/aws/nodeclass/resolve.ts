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
  ConditionReady,
  ConditionSecurityGroupsReady,
  ConditionSubnetsReady,
} from "../../../apis/labels.js";
import { type Clock, systemClock } from "../cache.js";
import { errorMessage } from "../errors.js";
import { resolveAMIs } from "./amis.js";
import { type ResolvedReservation, resolveCapacityReservations } from "./capacityreservations.js";
import { ensureInstanceProfile } from "./instanceprofile.js";
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
}

interface Part<T> {
  condition: string;
  value?: T;
  error?: string;
}

async function attempt<T>(condition: string, f: () => Promise<T>): Promise<Part<T>> {
  try {
    return { condition, value: await f() };
  } catch (err) {
    return { condition, error: errorMessage(err) };
  }
}

export class NodeClassResolver {
  readonly parameters: ParameterReader;
  private readonly clock: Clock;
  /** Reservation availability from the last resolution, by node class name (status has no room for it). */
  readonly reservations = new Map<string, ResolvedReservation[]>();

  constructor(private readonly deps: NodeClassResolverDeps) {
    this.parameters = new ParameterReader(deps.ssm, deps.clock);
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * The node class's status as AWS has it now. Never throws for AWS or configuration problems: each
   * becomes a False condition whose message names the node class, the field and the fix, and the
   * fields that did resolve are still filled in.
   */
  async resolveNodeClass(nodeClass: EC2NodeClass): Promise<EC2NodeClassStatus> {
    const d = this.deps;
    const [subnets, securityGroups, amis, instanceProfile, reservations] = await Promise.all([
      attempt(ConditionSubnetsReady, () => resolveSubnets(d.ec2, nodeClass)),
      attempt(ConditionSecurityGroupsReady, () => resolveSecurityGroups(d.ec2, nodeClass)),
      attempt(ConditionAMIsReady, () => resolveAMIs(nodeClass, { ec2: d.ec2, parameters: this.parameters, kubernetesVersion: d.kubernetesVersion })),
      attempt(ConditionInstanceProfileReady, () => ensureInstanceProfile(nodeClass, { iam: d.iam, clusterName: d.clusterName, region: d.region })),
      attempt(ConditionCapacityReservationsReady, () => resolveCapacityReservations(d.ec2, nodeClass)),
    ]);
    const name = nodeClass.metadata.name ?? "";
    if (reservations.value) this.reservations.set(name, reservations.value);
    const parts: Part<unknown>[] = [subnets, securityGroups, amis, instanceProfile];
    if ((nodeClass.spec.capacityReservationSelectorTerms ?? []).length > 0) parts.push(reservations);
    const previous = nodeClass.status?.conditions ?? [];
    const now = new Date(this.clock()).toISOString();
    const generation = nodeClass.metadata.generation;
    const condition = (type: string, ok: boolean, reason: string, message: string): Condition => {
      const status = ok ? "True" : "False";
      const before = previous.find((c) => c.type === type);
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
    const conditions = parts.map((p) => (p.error === undefined ? condition(p.condition, true, p.condition, "") : condition(p.condition, false, `${p.condition.replace(/Ready$/, "")}NotReady`, p.error)));
    const failing = parts.filter((p) => p.error !== undefined);
    conditions.push(
      failing.length === 0
        ? condition(ConditionReady, true, ConditionReady, "")
        : condition(ConditionReady, false, "NotReady", failing.map((p) => p.error).join("\n")),
    );
    return {
      ...(subnets.value ? { subnets: subnets.value.map((s) => ({ id: s.id, zone: s.zone, ...(s.zoneID ? { zoneID: s.zoneID } : {}) })) } : {}),
      ...(securityGroups.value ? { securityGroups: securityGroups.value } : {}),
      ...(amis.value ? { amis: amis.value.map((a) => ({ id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.deprecated ? { deprecated: true } : {}), requirements: a.requirements })) } : {}),
      ...(instanceProfile.value ? { instanceProfile: instanceProfile.value } : {}),
      ...(reservations.value && reservations.value.length > 0
        ? { capacityReservations: reservations.value.map(({ availableInstanceCount: _unused, ...r }) => r) }
        : {}),
      conditions,
    };
  }
}

/** One-shot form of NodeClassResolver.resolveNodeClass (a resolver kept around also keeps its SSM cache). */
export function resolveNodeClass(nodeClass: EC2NodeClass, deps: NodeClassResolverDeps): Promise<EC2NodeClassStatus> {
  return new NodeClassResolver(deps).resolveNodeClass(nodeClass);
}

/** Whether the status says the node class can launch: every resolution succeeded. */
export function isNodeClassReady(nodeClass: EC2NodeClass): boolean {
  return nodeClass.status?.conditions?.some((c) => c.type === ConditionReady && c.status === "True") === true;
}
