// The IAM policy tenon ships (docs/iam-policy.json): every AWS call the code makes has a statement,
// each call with the tags tenon really sends is allowed, in every partition, and the mutating ones
// stay within this cluster, this region and the resources tenon tagged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type CallTarget, requestsByAction, sentCommands } from "./iam/calls.js";
import { type AWSRequest, allowingStatements, hasStatementFor, loadPolicy } from "./iam/policy.js";

const policyPath = fileURLToPath(new URL("../../docs/iam-policy.json", import.meta.url));
const srcRoot = fileURLToPath(new URL("../../src", import.meta.url));

const target = (partition: string, region: string): CallTarget => ({
  partition,
  region,
  accountID: "111122223333",
  clusterName: "prod-east",
  nodeRoleARN: `arn:${partition}:iam::111122223333:role/KarpenterNodeRole-prod-east`,
  interruptionQueueARN: `arn:${partition}:sqs:${region}:111122223333:prod-east`,
  nodeClassName: "default",
  nodePool: "general",
  nodeClaim: "general-x7k2p",
  pricingRegion: "us-east-1",
});

const show = (r: AWSRequest) => `${r.action} on ${r.resource}`;

describe("IAM policy (docs/iam-policy.json)", () => {
  const sent = sentCommands(srcRoot);

  it("finds the SDK commands the code sends", () => {
    // Guards the scan itself: these are sent today, so an empty or partial scan is a broken test.
    for (const a of ["ec2:CreateFleet", "ec2:DescribeInstances", "iam:AddRoleToInstanceProfile", "ssm:GetParameter", "pricing:GetProducts"]) {
      assert.ok(
        sent.some((s) => s.action === a),
        `${a} not found among ${sent.map((s) => s.action).join(", ")}`,
      );
    }
  });

  it("has a statement for every SDK command the code imports", () => {
    const policy = loadPolicy(policyPath, target("aws", "us-west-2"));
    const missing = sent.filter((s) => !hasStatementFor(policy, s.action));
    assert.deepEqual(
      missing.map((s) => `${s.action} (sent from ${s.files.join(", ")})`),
      [],
      "add a statement to docs/iam-policy.json and a row to docs/iam-policy.md",
    );
  });

  for (const [partition, region] of [
    ["aws", "us-west-2"],
    ["aws-cn", "cn-north-1"],
    ["aws-us-gov", "us-gov-west-1"],
  ] as const) {
    it(`allows each call with the tags tenon sends (${partition}, ${region})`, () => {
      const t = target(partition, region);
      const policy = loadPolicy(policyPath, t);
      const requests = requestsByAction(t);
      for (const s of sent) {
        const rs = requests.get(s.action);
        assert.ok(rs, `${s.action} (sent from ${s.files.join(", ")}) has no request in test/aws/iam/calls.ts: describe what it sends`);
        for (const r of rs) assert.notEqual(allowingStatements(policy, r).length, 0, `denied: ${show(r)} (for ${s.action})`);
      }
    });
  }

  it("allows the calls still to come from the interruption queue and EKS discovery", () => {
    const t = target("aws", "us-west-2");
    const policy = loadPolicy(policyPath, t);
    for (const a of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl", "eks:DescribeCluster", "ec2:DescribePlacementGroups", "ec2:CreateTags"]) {
      for (const r of requestsByAction(t).get(a) ?? []) assert.notEqual(allowingStatements(policy, r).length, 0, `denied: ${show(r)}`);
    }
  });

  it("scopes instance-profile changes by the profile's own tags, not tags the call never carries", () => {
    const t = target("aws", "us-west-2");
    const policy = loadPolicy(policyPath, t);
    const requests = requestsByAction(t);
    for (const a of ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"]) {
      const r = requests.get(a)![0]!;
      // What these calls carry: no request tags at all.
      assert.equal(Object.keys(r.context).some((k) => k.startsWith("aws:RequestTag/")), false);
      assert.notEqual(allowingStatements(policy, r).length, 0, `denied: ${show(r)}`);
      const ofOtherCluster = { ...r, context: { "aws:RequestedRegion": t.region, "aws:ResourceTag/kubernetes.io/cluster/other": "owned", "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "default", "aws:ResourceTag/topology.kubernetes.io/region": t.region } };
      assert.equal(allowingStatements(policy, ofOtherCluster).length, 0, `${a} allowed on another cluster's profile`);
      const ofOtherRegion = { ...r, context: { ...r.context, "aws:ResourceTag/topology.kubernetes.io/region": "eu-west-1" } };
      assert.equal(allowingStatements(policy, ofOtherRegion).length, 0, `${a} allowed on another region's profile`);
      const notANodeClassProfile = { ...r, context: Object.fromEntries(Object.entries(r.context).filter(([k]) => k !== "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass")) };
      assert.equal(allowingStatements(policy, notANodeClassProfile).length, 0, `${a} allowed on a profile no EC2NodeClass owns`);
    }
  });

  it("refuses mutations of resources tenon did not tag, and reads in another region", () => {
    const t = target("aws", "us-west-2");
    const policy = loadPolicy(policyPath, t);
    const requests = requestsByAction(t);
    const untagged = (r: AWSRequest): AWSRequest => ({ ...r, context: Object.fromEntries(Object.entries(r.context).filter(([k]) => !k.startsWith("aws:ResourceTag/") && !k.startsWith("aws:RequestTag/"))) });
    for (const a of ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate", "ec2:CreateLaunchTemplate"]) {
      for (const r of requests.get(a)!) assert.equal(allowingStatements(policy, untagged(r)).length, 0, `allowed without tenon's tags: ${show(r)}`);
    }
    const instance = requests.get("ec2:CreateFleet")!.find((r) => r.action === "ec2:RunInstances" && r.resource.includes(":instance/"))!;
    assert.equal(allowingStatements(policy, untagged(instance)).length, 0, "RunInstances allowed for an instance without the cluster's tags");
    const tagging = requests.get("ec2:CreateTags")![0]!;
    const widerTags = { ...tagging, context: { ...tagging.context, "aws:TagKeys": ["Name", "karpenter.sh/nodepool"], "aws:RequestTag/karpenter.sh/nodepool": "other" } };
    assert.equal(allowingStatements(policy, widerTags).length, 0, "CreateTags on a running instance may only write Name, karpenter.sh/nodeclaim and eks:eks-cluster-name");
    const elsewhere = { ...requests.get("ec2:DescribeInstances")![0]!, context: { "aws:RequestedRegion": "eu-west-1" } };
    assert.equal(allowingStatements(policy, elsewhere).length, 0, "reads allowed in another region");
  });
});
