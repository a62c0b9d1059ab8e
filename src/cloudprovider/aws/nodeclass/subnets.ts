// spec.subnetSelectorTerms → the subnets nodes launch into. Terms are ORed, fields in a term ANDed.
import { type EC2Client, DescribeSubnetsCommand, type Filter, type Subnet } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { ConfigurationError } from "../../errors.js";
import { ResolutionFailure, nodeClassMessage } from "../errors.js";
import { describeTerms, tagFilters } from "./selectors.js";

export interface ResolvedSubnet {
  id: string;
  zone: string;
  zoneID?: string;
  availableIPs: number;
}

async function describeAll(ec2: EC2Client, filters: Filter[]): Promise<Subnet[]> {
  const out: Subnet[] = [];
  let token: string | undefined;
  do {
    const res = await ec2.send(new DescribeSubnetsCommand({ Filters: filters, NextToken: token }));
    out.push(...(res.Subnets ?? []));
    token = res.NextToken;
  } while (token);
  return out;
}

/** The selected subnets, most free addresses first (launches prefer the emptiest subnet of a zone). */
export async function resolveSubnets(ec2: EC2Client, nodeClass: EC2NodeClass): Promise<ResolvedSubnet[]> {
  const name = nodeClass.metadata.name ?? "";
  const terms = nodeClass.spec.subnetSelectorTerms;
  const found = new Map<string, Subnet>();
  try {
    for (const term of terms) {
      const filters: Filter[] = [...tagFilters(term.tags), ...(term.id ? [{ Name: "subnet-id", Values: [term.id] }] : [])];
      for (const s of await describeAll(ec2, filters)) if (s.SubnetId) found.set(s.SubnetId, s);
    }
  } catch (err) {
    throw new ResolutionFailure(name, "spec.subnetSelectorTerms", "ec2:DescribeSubnets", err);
  }
  if (found.size === 0) {
    throw new ConfigurationError(nodeClassMessage(name, "spec.subnetSelectorTerms", `matched no subnet ${describeTerms(terms)}`, "tag your subnets or fix the selector"));
  }
  return [...found.values()]
    .filter((s) => s.State === undefined || s.State === "available")
    .map((s) => ({
      id: s.SubnetId!,
      zone: s.AvailabilityZone ?? "",
      ...(s.AvailabilityZoneId ? { zoneID: s.AvailabilityZoneId } : {}),
      availableIPs: s.AvailableIpAddressCount ?? 0,
    }))
    .sort((a, b) => b.availableIPs - a.availableIPs || a.id.localeCompare(b.id));
}
