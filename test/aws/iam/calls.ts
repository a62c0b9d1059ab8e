// The AWS calls tenon makes: found in the source (every SDK command it imports as a value), and
// described as requests (action, resource ARN, the tags it sends) built from the same tag
// functions the controller uses, so a change of tags is a change of what the policy must allow.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { EKSClusterNameTag } from "../../../src/apis/labels.js";
import { LaunchTemplateClusterTag, launchTemplateTags, nodeClaimTags } from "../../../src/cloudprovider/aws/launch/tags.js";
import { instanceProfileName, instanceProfileTags } from "../../../src/cloudprovider/aws/nodeclass/instanceprofile.js";
import type { AWSRequest, Placeholders, RequestContext } from "./policy.js";

/** SDK package → IAM service prefix. */
const servicePrefix: Record<string, string> = { ec2: "ec2", iam: "iam", ssm: "ssm", pricing: "pricing", sqs: "sqs", eks: "eks", sts: "sts" };

export interface SentCommand {
  /** e.g. ec2:CreateFleet */
  action: string;
  files: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

/** Every `XCommand` imported as a value from `@aws-sdk/client-*` under `root`, as an IAM action. */
export function sentCommands(root: string): SentCommand[] {
  const found = new Map<string, Set<string>>();
  for (const file of sourceFiles(root)) {
    const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
    for (const st of src.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
      const m = /^@aws-sdk\/client-([a-z0-9-]+)$/.exec(st.moduleSpecifier.text);
      const bindings = st.importClause?.namedBindings;
      if (!m || st.importClause?.isTypeOnly || !bindings || !ts.isNamedImports(bindings)) continue;
      const prefix = servicePrefix[m[1]!];
      if (!prefix) throw new Error(`${file}: @aws-sdk/client-${m[1]} has no IAM service prefix in test/aws/iam/calls.ts`);
      for (const el of bindings.elements) {
        const name = (el.propertyName ?? el.name).text;
        if (el.isTypeOnly || !name.endsWith("Command")) continue;
        const action = `${prefix}:${name.slice(0, -"Command".length)}`;
        found.set(action, (found.get(action) ?? new Set()).add(relative(root, file)));
      }
    }
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([action, files]) => ({ action, files: [...files].sort() }));
}

const tagContext = (kind: "RequestTag" | "ResourceTag", tags: Record<string, string>): RequestContext => Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:${kind}/${k}`, v]));
const requestTags = (tags: Record<string, string>): RequestContext => ({ ...tagContext("RequestTag", tags), "aws:TagKeys": Object.keys(tags) });

export interface CallTarget extends Placeholders {
  nodeClassName: string;
  nodePool: string;
  nodeClaim: string;
  /** The region the call is sent to (the Pricing API's is us-east-1 whatever the cluster's). */
  pricingRegion: string;
}

/**
 * The requests behind each action: one SDK command can need several (CreateFleet is authorized as
 * RunInstances on every resource it creates or uses, and CreateTags for the tags it writes).
 */
export function requestsByAction(t: CallTarget): Map<string, AWSRequest[]> {
  const ec2 = (type: string, id: string, owned = true) => `arn:${t.partition}:ec2:${t.region}:${owned ? t.accountID : ""}:${type}/${id}`;
  const region: RequestContext = { "aws:RequestedRegion": t.region };
  const ltTags = { ...launchTemplateTags(t.clusterName, t.nodeClassName, undefined, t.nodePool), [LaunchTemplateClusterTag]: t.clusterName };
  const claimTags = nodeClaimTags(t.clusterName, t.nodeClassName, undefined, t.nodePool, t.nodeClaim);
  const profileTags = instanceProfileTags(t.clusterName, t.region, t.nodeClassName, undefined);
  const profile = `arn:${t.partition}:iam::${t.accountID}:instance-profile/${instanceProfileName(t.clusterName, t.region, t.nodeClassName)}`;
  const read = (action: string): AWSRequest[] => [{ action, resource: "*", context: region }];
  const onProfile = (action: string): AWSRequest[] => [{ action, resource: profile, context: { ...region, ...tagContext("ResourceTag", profileTags) } }];

  // CreateFleet (instant) is authorized as itself and as RunInstances on each resource.
  const launch = (action: string): AWSRequest[] => [
    ...["fleet", "instance", "volume", "spot-instances-request"].map((type) => ({ action, resource: ec2(type, "*"), context: { ...region, ...requestTags(claimTags) } })),
    // Network interfaces take their tags from the launch template's tag specification.
    { action, resource: ec2("network-interface", "*"), context: { ...region, ...requestTags(ltTags) } },
    { action, resource: ec2("launch-template", "lt-0123456789abcdef0"), context: { ...region, ...tagContext("ResourceTag", ltTags) } },
    { action, resource: ec2("image", "ami-0123456789abcdef0", false), context: region },
    { action, resource: ec2("snapshot", "snap-0123456789abcdef0", false), context: region },
    { action, resource: ec2("subnet", "subnet-0123456789abcdef0"), context: region },
    { action, resource: ec2("security-group", "sg-0123456789abcdef0"), context: region },
    { action, resource: ec2("capacity-reservation", "cr-0123456789abcdef0"), context: region },
    { action, resource: ec2("placement-group", "pg-0123456789abcdef0"), context: region },
  ];
  const tagOnLaunch: AWSRequest[] = [
    ...["fleet", "instance", "volume"].map((type) => ({ action: "ec2:CreateTags", resource: ec2(type, "*"), context: { ...region, ...requestTags(claimTags), "ec2:CreateAction": "CreateFleet" } })),
    { action: "ec2:CreateTags", resource: ec2("network-interface", "*"), context: { ...region, ...requestTags(ltTags), "ec2:CreateAction": "CreateFleet" } },
  ];
  const queue = t.interruptionQueueARN;
  return new Map<string, AWSRequest[]>([
    ["ec2:DescribeCapacityReservations", read("ec2:DescribeCapacityReservations")],
    ["ec2:DescribeImages", read("ec2:DescribeImages")],
    ["ec2:DescribeInstances", read("ec2:DescribeInstances")],
    ["ec2:DescribeInstanceStatus", read("ec2:DescribeInstanceStatus")],
    ["ec2:DescribeInstanceTypeOfferings", read("ec2:DescribeInstanceTypeOfferings")],
    ["ec2:DescribeInstanceTypes", read("ec2:DescribeInstanceTypes")],
    ["ec2:DescribeLaunchTemplates", read("ec2:DescribeLaunchTemplates")],
    ["ec2:DescribePlacementGroups", read("ec2:DescribePlacementGroups")],
    ["ec2:DescribeSecurityGroups", read("ec2:DescribeSecurityGroups")],
    ["ec2:DescribeSpotPriceHistory", read("ec2:DescribeSpotPriceHistory")],
    ["ec2:DescribeSubnets", read("ec2:DescribeSubnets")],
    [
      "ec2:CreateLaunchTemplate",
      [
        { action: "ec2:CreateLaunchTemplate", resource: ec2("launch-template", "*"), context: { ...region, ...requestTags(ltTags) } },
        { action: "ec2:CreateTags", resource: ec2("launch-template", "*"), context: { ...region, ...requestTags(ltTags), "ec2:CreateAction": "CreateLaunchTemplate" } },
      ],
    ],
    ["ec2:DeleteLaunchTemplate", [{ action: "ec2:DeleteLaunchTemplate", resource: ec2("launch-template", "lt-0123456789abcdef0"), context: { ...region, ...tagContext("ResourceTag", ltTags) } }]],
    [
      "ec2:CreateFleet",
      [...launch("ec2:CreateFleet"), ...launch("ec2:RunInstances"), ...tagOnLaunch, { action: "iam:PassRole", resource: t.nodeRoleARN, context: { "iam:PassedToService": "ec2.amazonaws.com" } }],
    ],
    // Tagging a registered instance with its node's name (Karpenter's tagging controller).
    [
      "ec2:CreateTags",
      [{ action: "ec2:CreateTags", resource: ec2("instance", "i-0123456789abcdef0"), context: { ...region, ...tagContext("ResourceTag", claimTags), ...requestTags({ Name: "ip-10-0-0-1.ec2.internal", [EKSClusterNameTag]: t.clusterName }) } }],
    ],
    ["ec2:TerminateInstances", [{ action: "ec2:TerminateInstances", resource: ec2("instance", "i-0123456789abcdef0"), context: { ...region, ...tagContext("ResourceTag", claimTags) } }]],
    ["iam:GetInstanceProfile", [{ action: "iam:GetInstanceProfile", resource: profile, context: region }]],
    [
      "iam:CreateInstanceProfile",
      [
        { action: "iam:CreateInstanceProfile", resource: profile, context: { ...region, ...requestTags(profileTags) } },
        // Tags given at creation are authorized as TagInstanceProfile on the new profile.
        { action: "iam:TagInstanceProfile", resource: profile, context: { ...region, ...requestTags(profileTags), ...tagContext("ResourceTag", profileTags) } },
      ],
    ],
    ["iam:AddRoleToInstanceProfile", onProfile("iam:AddRoleToInstanceProfile")],
    ["iam:RemoveRoleFromInstanceProfile", onProfile("iam:RemoveRoleFromInstanceProfile")],
    ["iam:DeleteInstanceProfile", onProfile("iam:DeleteInstanceProfile")],
    ["ssm:GetParameter", [{ action: "ssm:GetParameter", resource: `arn:${t.partition}:ssm:${t.region}::parameter/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id`, context: region }]],
    ["pricing:GetProducts", [{ action: "pricing:GetProducts", resource: "*", context: { "aws:RequestedRegion": t.pricingRegion } }]],
    ["sqs:GetQueueUrl", [{ action: "sqs:GetQueueUrl", resource: queue, context: region }]],
    ["sqs:ReceiveMessage", [{ action: "sqs:ReceiveMessage", resource: queue, context: region }]],
    ["sqs:DeleteMessage", [{ action: "sqs:DeleteMessage", resource: queue, context: region }]],
    ["eks:DescribeCluster", [{ action: "eks:DescribeCluster", resource: `arn:${t.partition}:eks:${t.region}:${t.accountID}:cluster/${t.clusterName}`, context: region }]],
  ]);
}
