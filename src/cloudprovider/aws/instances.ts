// EC2 instances by ID and by tag, with concurrent lookups and terminations batched into single
// DescribeInstances/TerminateInstances calls.
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  type EC2Client,
  type Filter,
  type Instance,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { NodeClaimTag, NodePoolTag, clusterOwnershipTag } from "../../apis/labels.js";
import { Batcher } from "./batcher.js";
import { isNotFound } from "./errors.js";

/** States of an instance that still exists as far as tenon is concerned (Karpenter's list). */
export const liveStates = ["pending", "running", "stopping", "stopped", "shutting-down"];

export interface InstanceBatching {
  idleMs: number;
  maxMs: number;
  maxItems: number;
}

export const defaultInstanceBatching: InstanceBatching = { idleMs: 100, maxMs: 1000, maxItems: 500 };

export class Instances {
  private readonly describeBatcher: Batcher<string, Instance | undefined>;
  private readonly terminateBatcher: Batcher<string, boolean>;

  constructor(
    private readonly ec2: EC2Client,
    private readonly clusterName: string,
    batching: InstanceBatching = defaultInstanceBatching,
  ) {
    this.describeBatcher = new Batcher({ ...batching, name: "describe_instances", key: () => "describe", exec: (ids) => this.describeMany(ids) });
    this.terminateBatcher = new Batcher({ ...batching, name: "terminate_instances", key: () => "terminate", exec: (ids) => this.terminateMany(ids) });
  }

  private async describeAll(filters: Filter[], ids?: string[]): Promise<Instance[]> {
    const out: Instance[] = [];
    let token: string | undefined;
    do {
      const res: DescribeInstancesCommandOutput = await this.ec2.send(
        new DescribeInstancesCommand({ ...(ids ? { InstanceIds: ids } : {}), Filters: filters, NextToken: token }),
      );
      for (const r of res.Reservations ?? []) out.push(...(r.Instances ?? []));
      token = res.NextToken;
    } while (token);
    return out;
  }

  private async describeMany(ids: string[]): Promise<PromiseSettledResult<Instance | undefined>[]> {
    const unique = [...new Set(ids)];
    let found: Instance[];
    try {
      found = await this.describeAll([{ Name: "instance-state-name", Values: liveStates }], unique);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // One unknown ID fails the whole call: ask for each alone to learn which.
      if (unique.length === 1) return ids.map(() => ({ status: "fulfilled", value: undefined }));
      const each = await Promise.all(unique.map((id) => this.describeMany([id])));
      const byID = new Map(unique.map((id, i) => [id, each[i]![0]!]));
      return ids.map((id) => byID.get(id)!);
    }
    const byID = new Map(found.map((i) => [i.InstanceId, i]));
    return ids.map((id) => ({ status: "fulfilled", value: byID.get(id) }));
  }

  private async terminateMany(ids: string[]): Promise<PromiseSettledResult<boolean>[]> {
    const unique = [...new Set(ids)];
    try {
      await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: unique }));
      return ids.map(() => ({ status: "fulfilled", value: true }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (unique.length === 1) return ids.map(() => ({ status: "fulfilled", value: false }));
      const each = await Promise.all(unique.map((id) => this.terminateMany([id])));
      const byID = new Map(unique.map((id, i) => [id, each[i]![0]!]));
      return ids.map((id) => byID.get(id)!);
    }
  }

  /** The instance if it exists and is not terminated. */
  get(id: string): Promise<Instance | undefined> {
    return this.describeBatcher.add(id);
  }

  /** Terminates; false if EC2 does not know the instance. */
  terminate(id: string): Promise<boolean> {
    return this.terminateBatcher.add(id);
  }

  private clusterFilter(): Filter {
    return { Name: `tag:${clusterOwnershipTag(this.clusterName)}`, Values: ["owned"] };
  }

  /** The instance launched for a NodeClaim (pending or running), if any: makes create() idempotent. */
  async findByNodeClaim(nodeClaimName: string): Promise<Instance | undefined> {
    const found = await this.describeAll([
      { Name: `tag:${NodeClaimTag}`, Values: [nodeClaimName] },
      this.clusterFilter(),
      { Name: "instance-state-name", Values: ["pending", "running"] },
    ]);
    return found.sort((a, b) => (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0))[0];
  }

  /** Every live instance tenon launched in this cluster. */
  list(): Promise<Instance[]> {
    return this.describeAll([{ Name: "tag-key", Values: [NodePoolTag] }, this.clusterFilter(), { Name: "instance-state-name", Values: liveStates }]);
  }
}

/** aws:///<zone>/<instance-id>, the form the AWS cloud controller manager gives nodes. */
export const providerID = (zone: string, instanceID: string): string => `aws:///${zone}/${instanceID}`;

export function parseProviderID(id: string): string | undefined {
  const m = /^aws:\/\/\/[^/]*\/(i-[0-9a-z]+)$/.exec(id);
  return m?.[1];
}
