// EC2NodeClass resolution against moto: selectors, every AMI family, instance profiles, and the
// messages a user gets when a selector or permission is wrong.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { before, describe, it } from "node:test";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { useMoto } from "../env/index.js";
import { AMI, CLUSTER, type Seeded, condition, nodeClass, registerAMI, seed, testProvider } from "./fixtures.js";

describe("EC2NodeClass resolution (moto)", () => {
  const moto = useMoto();
  let s: Seeded;
  before(async () => {
    s = await seed(moto());
  });

  it("resolves subnets, security groups, AMIs and an instance profile, and reports Ready", async () => {
    const t = testProvider(moto());
    const nc = await t.resolve(nodeClass("default"));
    assert.deepEqual(nc.status?.subnets?.map((x) => x.id).sort(), s.subnets.map((x) => x.id).sort());
    assert.deepEqual(new Set(nc.status?.subnets?.map((x) => x.zone)), new Set(["us-east-1a", "us-east-1b", "us-east-1c"]));
    assert.ok(nc.status?.subnets?.every((x) => x.zoneID?.startsWith("use1-az")));
    assert.deepEqual(nc.status?.securityGroups, [{ id: s.securityGroups[0]!.id, name: "nodes" }]);
    assert.equal(condition(nc, "Ready")?.status, "True");
    for (const c of ["SubnetsReady", "SecurityGroupsReady", "AMIsReady", "InstanceProfileReady"]) assert.equal(condition(nc, c)?.status, "True", c);
    // The instance profile exists in IAM, holds the role, and is tagged for the cluster.
    const iam = t.clients.iam;
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: nc.status!.instanceProfile! }))).InstanceProfile;
    assert.deepEqual(profile?.Roles?.map((r) => r.RoleName), [s.roleName]);
    const tags = profile?.Tags ?? [];
    assert.ok(tags.some((x) => x.Key === `kubernetes.io/cluster/${CLUSTER}` && x.Value === "owned"));
    assert.ok(tags.some((x) => x.Key === "karpenter.k8s.aws/ec2nodeclass" && x.Value === "default"));
  });

  it("resolves the al2023 alias per architecture and accelerator variant", async () => {
    const nc = await testProvider(moto()).resolve(nodeClass("al2023"));
    const byID = new Map(nc.status!.amis!.map((a) => [a.id, a.requirements]));
    assert.deepEqual(new Set(byID.keys()), new Set(Object.values(AMI.al2023)));
    assert.deepEqual(byID.get(AMI.al2023.amd64), [
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
      { key: "karpenter.k8s.aws/instance-accelerator-count", operator: "DoesNotExist" },
      { key: "karpenter.k8s.aws/instance-gpu-count", operator: "DoesNotExist" },
    ]);
    assert.deepEqual(byID.get(AMI.al2023.amd64Nvidia), [
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
      { key: "karpenter.k8s.aws/instance-gpu-count", operator: "Exists" },
    ]);
    assert.deepEqual(byID.get(AMI.al2023.arm64)?.[0], { key: "kubernetes.io/arch", operator: "In", values: ["arm64"] });
  });

  it("resolves the al2 alias, whose GPU AMI serves both NVIDIA and Neuron", async () => {
    const nc = await testProvider(moto()).resolve(nodeClass("al2", { amiSelectorTerms: [{ alias: "al2@latest" }] }));
    const gpu = nc.status!.amis!.filter((a) => a.id === AMI.al2.gpu).map((a) => a.requirements[1]);
    assert.deepEqual(new Set(gpu.map((r) => r?.key)), new Set(["karpenter.k8s.aws/instance-gpu-count", "karpenter.k8s.aws/instance-accelerator-count"]));
    assert.ok(nc.status!.amis!.some((a) => a.id === AMI.al2.arm64));
  });

  it("resolves the bottlerocket and windows2022 aliases", async () => {
    const t = testProvider(moto());
    const br = await t.resolve(nodeClass("br", { amiSelectorTerms: [{ alias: "bottlerocket@latest" }] }));
    assert.deepEqual(new Set(br.status!.amis!.map((a) => a.id)), new Set(Object.values(AMI.bottlerocket)));
    const win = await t.resolve(nodeClass("win", { amiSelectorTerms: [{ alias: "windows2022@latest" }] }));
    assert.deepEqual(win.status!.amis, [
      {
        id: AMI.windows2022,
        name: "Windows_Server-2019-English-Core-EKS_Optimized",
        requirements: [
          { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
          { key: "kubernetes.io/os", operator: "In", values: ["windows"] },
          { key: "node.kubernetes.io/windows-build", operator: "In", values: ["10.0.20348"] },
        ],
      },
    ]);
  });

  it("resolves custom AMIs by id, name, tags and SSM parameter, newest first", async () => {
    const older = await registerAMI(moto(), "tenon-custom-old", { team: "nodes" });
    await sleep(1100); // moto stamps creation to the second
    const newer = await registerAMI(moto(), "tenon-custom-new", { team: "nodes" });
    const t = testProvider(moto());
    const byTags = await t.resolve(nodeClass("tags", { amiFamily: "Custom", amiSelectorTerms: [{ tags: { team: "nodes" } }] }));
    // Same requirements: only the newest is kept.
    assert.deepEqual(byTags.status!.amis!.map((a) => a.id), [newer]);
    const byID = await t.resolve(nodeClass("ids", { amiFamily: "Custom", amiSelectorTerms: [{ id: older }] }));
    assert.deepEqual(byID.status!.amis!.map((a) => a.id), [older]);
    const byName = await t.resolve(nodeClass("name", { amiFamily: "AL2023", amiSelectorTerms: [{ name: "tenon-custom-old" }] }));
    assert.deepEqual(byName.status!.amis!.map((a) => a.id), [older]);
    await new SSMClient(moto().clientConfig()).send(new PutParameterCommand({ Name: "/tenon/test/node-ami", Value: older, Type: "String" }));
    const bySSM = await t.resolve(nodeClass("ssm", { amiFamily: "AL2", amiSelectorTerms: [{ ssmParameter: "/tenon/test/node-ami" }] }));
    assert.deepEqual(bySSM.status!.amis!.map((a) => a.id), [older]);
  });

  it("selects subnets by ID and security groups by name and ID", async () => {
    const nc = await testProvider(moto()).resolve(
      nodeClass("ids", { subnetSelectorTerms: [{ id: s.subnets[1]!.id }], securityGroupSelectorTerms: [{ name: "nodes-extra" }, { id: s.securityGroups[0]!.id }] }),
    );
    assert.deepEqual(nc.status!.subnets, [{ id: s.subnets[1]!.id, zone: "us-east-1b", zoneID: nc.status!.subnets![0]!.zoneID }]);
    assert.deepEqual(nc.status!.securityGroups!.map((g) => g.name).sort(), ["nodes", "nodes-extra"]);
  });

  it("matches any value of a tag with '*'", async () => {
    const nc = await testProvider(moto()).resolve(nodeClass("wild", { subnetSelectorTerms: [{ tags: { Name: "*" } }] }));
    assert.equal(nc.status!.subnets!.length, 3);
  });

  it("names the node class, the field and the fix when a selector matches nothing", async () => {
    const nc = await testProvider(moto()).resolve(
      nodeClass("broken", { subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "my-cluster" } }], amiFamily: "Custom", amiSelectorTerms: [{ id: "ami-0123456789abcdef0" }] }),
    );
    assert.equal(condition(nc, "SubnetsReady")?.status, "False");
    assert.equal(
      condition(nc, "SubnetsReady")?.message,
      'EC2NodeClass "broken": spec.subnetSelectorTerms matched no subnet (tags karpenter.sh/discovery=my-cluster); tag your subnets or fix the selector',
    );
    assert.match(condition(nc, "AMIsReady")?.message ?? "", /^EC2NodeClass "broken": spec.amiSelectorTerms matched no available AMI \(id ami-0123456789abcdef0\); check the AMI IDs/);
    assert.equal(condition(nc, "Ready")?.status, "False");
    // What did resolve is still reported.
    assert.equal(nc.status?.securityGroups?.length, 1);
  });

  it("reports a missing instance profile, a missing role and a missing SSM parameter", async () => {
    const t = testProvider(moto());
    const prof = await t.resolve(nodeClass("prof", { role: undefined, instanceProfile: "does-not-exist" }));
    assert.equal(condition(prof, "InstanceProfileReady")?.message, 'EC2NodeClass "prof": spec.instanceProfile "does-not-exist" does not exist; create the instance profile (with the node role) or set spec.role to let tenon manage one');
    const role = await t.resolve(nodeClass("role", { role: "NoSuchRole" }));
    assert.match(condition(role, "InstanceProfileReady")?.message ?? "", /^EC2NodeClass "role": spec.role "NoSuchRole" does not exist; create the node role/);
    const ssm = await t.resolve(nodeClass("ssmp", { amiFamily: "AL2023", amiSelectorTerms: [{ ssmParameter: "/tenon/missing" }] }));
    assert.match(condition(ssm, "AMIsReady")?.message ?? "", /spec.amiSelectorTerms\[0\].ssmParameter "\/tenon\/missing" does not exist/);
  });

  it("reports an alias version with no AMI for the cluster's Kubernetes version", async () => {
    const nc = await testProvider(moto()).resolve(nodeClass("pinned", { amiSelectorTerms: [{ alias: "al2023@v20200101" }] }));
    assert.match(condition(nc, "AMIsReady")?.message ?? "", /spec.amiSelectorTerms\[0\].alias "al2023@v20200101" found no AMI for Kubernetes 1.34; use a version published/);
  });

  it("keeps lastTransitionTime while a condition's status holds", async () => {
    const t = testProvider(moto());
    const first = await t.resolve(nodeClass("stable"));
    await sleep(1100);
    const again = await t.provider.resolveNodeClass(first);
    assert.equal(condition({ ...first, status: again }, "Ready")?.lastTransitionTime, condition(first, "Ready")?.lastTransitionTime);
  });

  it("deletes the instance profile it made when the node class goes", async () => {
    const t = testProvider(moto());
    const nc = await t.resolve(nodeClass("doomed"));
    await t.provider.deleteNodeClassResources(nc);
    await assert.rejects(t.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: nc.status!.instanceProfile! })), (e: Error) => e.name === "NoSuchEntityException" || e.name === "NoSuchEntity");
    // Again: already gone is fine.
    await t.provider.deleteNodeClassResources(nc);
  });
});
