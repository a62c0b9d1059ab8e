// spec.securityGroupSelectorTerms → the security groups of every node's primary network interface.
import { type EC2Client, DescribeSecurityGroupsCommand, type Filter, type SecurityGroup } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { ConfigurationError } from "../../errors.js";
import { ResolutionFailure, nodeClassMessage } from "../errors.js";
import { describeTerms, tagFilters } from "./selectors.js";

export interface ResolvedSecurityGroup {
  id: string;
  name?: string;
}

export async function resolveSecurityGroups(ec2: EC2Client, nodeClass: EC2NodeClass): Promise<ResolvedSecurityGroup[]> {
  const name = nodeClass.metadata.name ?? "";
  const terms = nodeClass.spec.securityGroupSelectorTerms;
  const found = new Map<string, SecurityGroup>();
  try {
    for (const term of terms) {
      const filters: Filter[] = [
        ...tagFilters(term.tags),
        ...(term.id ? [{ Name: "group-id", Values: [term.id] }] : []),
        ...(term.name ? [{ Name: "group-name", Values: [term.name] }] : []),
      ];
      let token: string | undefined;
      do {
        const res = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters, NextToken: token }));
        for (const g of res.SecurityGroups ?? []) if (g.GroupId) found.set(g.GroupId, g);
        token = res.NextToken;
      } while (token);
    }
  } catch (err) {
    throw new ResolutionFailure(name, "spec.securityGroupSelectorTerms", "ec2:DescribeSecurityGroups", err);
  }
  if (found.size === 0) {
    throw new ConfigurationError(
      nodeClassMessage(name, "spec.securityGroupSelectorTerms", `matched no security group ${describeTerms(terms)}`, "tag your security groups or fix the selector"),
    );
  }
  return [...found.values()].map((g) => ({ id: g.GroupId!, ...(g.GroupName ? { name: g.GroupName } : {}) })).sort((a, b) => a.id.localeCompare(b.id));
}
