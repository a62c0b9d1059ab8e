// Launching, finding, listing, terminating and drift against moto: what EC2 holds afterwards is
// checked through EC2's own API (instances, launch templates, decoded user data).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Instance,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { parse as parseTOML } from "smol-toml";
import { parse as parseYAML } from "yaml";
import { NodeClaimNotFoundError, NodeClassNotReadyError } from "../../src/cloudprovider/errors.js";
import { parseMime } from "../../src/cloudprovider/aws/launch/userdata/mime.js";
import { loadCatalogInstanceTypes } from "../../src/cloudprovider/aws/index.js";
import { useMoto } from "../env/index.js";
import { AMI, CLUSTER, type Seeded, nodeClaim, nodeClass, nodePool, registerAMI, seed, testProvider, type TestProvider } from "./fixtures.js";

const it_ = (name: string) => ({ key: "node.kubernetes.io/instance-type", operator: "In", values: [name] });
const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const instanceID = (providerID: string | undefined) => providerID?.split("/").pop() ?? "";

async function describe1(ec2: EC2Client, id: string): Promise<Instance> {
  const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const i = res.Reservations?.[0]?.Instances?.[0];
  assert.ok(i, `instance ${id} exists`);
  return i;
}
async function userData(ec2: EC2Client, id: string): Promise<string> {
  const v = (await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "userData" }))).UserData?.Value ?? "";
  return Buffer.from(v, "base64").toString("utf8");
}
async function templatesOf(ec2: EC2Client, nodeClassName: string) {
  const lts = (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:karpenter.k8s.aws/ec2nodeclass", Values: [nodeClassName] }] }))).LaunchTemplates ?? [];
  return Promise.all(
    lts.map(async (lt) => ({ lt, data: (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId }))).LaunchTemplateVersions?.[0]?.LaunchTemplateData })),
  );
}
const tagsOf = (i: Instance) => Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]));

describe("launching through CreateFleet (moto)", () => {
  const moto = useMoto();
  let s: Seeded;
  let t: TestProvider;
  before(async () => {
    s = await seed(moto());
    t = testProvider(moto());
  });

  it("launches an AL2023 node with tags, launch template and NodeConfig user data", async () => {
    await t.resolve(nodeClass("al2023", { tags: { team: "platform" } }));
    const claim = await t.provider.create(nodeClaim("al2023-a", "al2023", [it_("m5.large"), onDemand], { taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }], labels: { team: "web" } }));
    const id = instanceID(claim.status?.providerID);
    assert.match(claim.status!.providerID!, /^aws:\/\/\/us-east-1[abc]\/i-[0-9a-f]+$/);
    assert.equal(claim.status?.imageID, AMI.al2023.amd64);
    assert.equal(claim.metadata.labels?.["node.kubernetes.io/instance-type"], "m5.large");
    assert.equal(claim.metadata.labels?.["karpenter.sh/capacity-type"], "on-demand");
    assert.equal(claim.metadata.labels?.["kubernetes.io/arch"], "amd64");
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/instance-family"], "m5");
    assert.match(claim.metadata.labels?.["topology.k8s.aws/zone-id"] ?? "", /^use1-az/);
    // m5.large has 9 branch interfaces: security groups for pods (vpc.amazonaws.com/pod-eni).
    assert.deepEqual(claim.status?.capacity, { cpu: "2", memory: "7577Mi", "ephemeral-storage": "20Gi", pods: "29", "vpc.amazonaws.com/pod-eni": "9" });
    assert.equal(claim.status?.allocatable?.memory, `${7577 - 574 - 100}Mi`);
    assert.match(claim.metadata.annotations?.["karpenter.k8s.aws/ec2nodeclass-hash"] ?? "", /^[0-9]+$/);

    const ec2 = t.clients.ec2;
    const inst = await describe1(ec2, id);
    assert.equal(inst.InstanceType, "m5.large");
    assert.ok(s.subnets.some((x) => x.id === inst.SubnetId), "in a selected subnet");
    assert.equal(inst.Placement?.AvailabilityZone, claim.metadata.labels?.["topology.kubernetes.io/zone"]);
    assert.equal(inst.ImageId, AMI.al2023.amd64);
    const tags = tagsOf(inst);
    assert.deepEqual(
      { ...tags },
      {
        team: "platform",
        // No Name at launch: the tagging controller sets it to the node's name (test/aws/tagging.test.ts).
        "karpenter.sh/nodepool": "default",
        "karpenter.sh/nodeclaim": "al2023-a",
        "karpenter.sh/managed-by": CLUSTER,
        "karpenter.k8s.aws/ec2nodeclass": "al2023",
        [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
        "eks:eks-cluster-name": CLUSTER,
      },
    );

    const [tpl, ...more] = await templatesOf(ec2, "al2023");
    assert.equal(more.length, 0);
    assert.match(tpl!.lt.LaunchTemplateName ?? "", /^karpenter\.k8s\.aws\/[0-9]+$/);
    assert.equal(Object.fromEntries((tpl!.lt.Tags ?? []).map((x) => [x.Key, x.Value]))["karpenter.k8s.aws/cluster"], CLUSTER);
    const data = tpl!.data!;
    assert.equal(data.ImageId, AMI.al2023.amd64);
    assert.deepEqual(data.SecurityGroupIds, [s.securityGroups[0]!.id]);
    assert.deepEqual(data.MetadataOptions, { HttpEndpoint: "enabled", HttpProtocolIpv6: "disabled", HttpPutResponseHopLimit: 1, HttpTokens: "required" });
    assert.match(data.IamInstanceProfile?.Name ?? "", new RegExp(`^${CLUSTER}_`));
    assert.deepEqual(data.BlockDeviceMappings, [{ DeviceName: "/dev/xvda", Ebs: { Encrypted: true, VolumeSize: 20, VolumeType: "gp3" } }]);

    const parts = parseMime(await userData(ec2, id));
    assert.equal(parts.length, 1);
    assert.equal(parts[0]!.contentType, "application/node.eks.aws");
    const cfg = parseYAML(parts[0]!.content) as { spec: { cluster: Record<string, string>; kubelet: { config: Record<string, unknown>; flags: string[] } } };
    assert.equal(cfg.spec.cluster.name, CLUSTER);
    assert.equal(cfg.spec.cluster.cidr, "172.20.0.0/16");
    assert.deepEqual(cfg.spec.kubelet.config.clusterDNS, ["172.20.0.10"]);
    assert.equal(cfg.spec.kubelet.config.maxPods, 29);
    assert.deepEqual(cfg.spec.kubelet.config.registerWithTaints, [
      { key: "dedicated", value: "web", effect: "NoSchedule" },
      { key: "karpenter.sh/unregistered", effect: "NoExecute" },
    ]);
    assert.deepEqual(cfg.spec.kubelet.flags, ['--node-labels="karpenter.sh/capacity-type=on-demand,karpenter.sh/nodepool=default,team=web"']);
  });

  it("gives GPU and arm64 instance types their AMI variant", async () => {
    await t.resolve(nodeClass("variants"));
    const gpu = await t.provider.create(nodeClaim("gpu-a", "variants", [it_("g5.xlarge"), onDemand]));
    assert.equal(gpu.status?.imageID, AMI.al2023.amd64Nvidia);
    assert.equal(gpu.status?.capacity?.["nvidia.com/gpu"], "1");
    assert.equal((await describe1(t.clients.ec2, instanceID(gpu.status?.providerID))).ImageId, AMI.al2023.amd64Nvidia);
    const arm = await t.provider.create(nodeClaim("arm-a", "variants", [it_("m6g.large"), onDemand]));
    assert.equal(arm.status?.imageID, AMI.al2023.arm64);
    assert.equal(arm.metadata.labels?.["kubernetes.io/arch"], "arm64");
  });

  it("launches AL2 with bootstrap.sh after the user's script", async () => {
    await t.resolve(nodeClass("al2", { amiSelectorTerms: [{ alias: "al2@latest" }], userData: "#!/bin/bash\necho custom-al2", kubelet: { maxPods: 42 } }));
    const claim = await t.provider.create(nodeClaim("al2-a", "al2", [it_("m5.xlarge"), onDemand]));
    assert.equal(claim.status?.capacity?.pods, "42");
    const parts = parseMime(await userData(t.clients.ec2, instanceID(claim.status?.providerID)));
    assert.deepEqual(
      parts.map((p) => p.content.split("\n")[0]),
      ["#!/bin/bash", "#!/bin/bash -xe"],
    );
    assert.equal(parts[0]!.content, "#!/bin/bash\necho custom-al2");
    assert.match(parts[1]!.content, new RegExp(`/etc/eks/bootstrap.sh '${CLUSTER}' --apiserver-endpoint 'https://tenon-test.example.com' --b64-cluster-ca '`));
    assert.match(parts[1]!.content, /--use-max-pods false/);
    assert.match(parts[1]!.content, /--max-pods=42/);
  });

  it("launches Bottlerocket with the user's TOML merged", async () => {
    await t.resolve(nodeClass("br", { amiSelectorTerms: [{ alias: "bottlerocket@latest" }], userData: '[settings.kubernetes]\nmax-pods = 7\n[settings.host-containers.admin]\nenabled = true\n' }));
    const claim = await t.provider.create(nodeClaim("br-a", "br", [it_("c5.large"), onDemand]));
    const toml = JSON.parse(JSON.stringify(parseTOML(await userData(t.clients.ec2, instanceID(claim.status?.providerID))))) as { settings: { kubernetes: Record<string, unknown>; "host-containers": unknown } };
    assert.equal(toml.settings.kubernetes["cluster-name"], CLUSTER);
    assert.equal(toml.settings.kubernetes["max-pods"], claim.status?.capacity?.pods === undefined ? undefined : Number(claim.status.capacity.pods));
    assert.deepEqual(toml.settings["host-containers"], { admin: { enabled: true } });
    assert.deepEqual((await templatesOf(t.clients.ec2, "br"))[0]!.data!.BlockDeviceMappings!.map((b) => [b.DeviceName, b.Ebs?.VolumeSize]), [
      ["/dev/xvda", 4],
      ["/dev/xvdb", 20],
    ]);
  });

  it("launches Windows with a PowerShell bootstrap and windows labels", async () => {
    await t.resolve(nodeClass("win", { amiSelectorTerms: [{ alias: "windows2022@latest" }] }));
    const claim = await t.provider.create(nodeClaim("win-a", "win", [it_("m5.large"), onDemand, { key: "kubernetes.io/os", operator: "In", values: ["windows"] }]));
    assert.equal(claim.metadata.labels?.["kubernetes.io/os"], "windows");
    assert.equal(claim.metadata.labels?.["node.kubernetes.io/windows-build"], "10.0.20348");
    assert.equal(claim.status?.imageID, AMI.windows2022);
    assert.match(await userData(t.clients.ec2, instanceID(claim.status?.providerID)), /^<powershell>\n\[string\]\$EKSBootstrapScriptFile/);
  });

  it("launches a custom AMI with the user data as written", async () => {
    const ami = await registerAMI(moto(), "tenon-launch-custom");
    await t.resolve(nodeClass("custom", { amiFamily: "Custom", amiSelectorTerms: [{ id: ami }], userData: "#cloud-config\nruncmd: [echo hi]\n" }));
    const claim = await t.provider.create(nodeClaim("custom-a", "custom", [it_("m5.large"), onDemand]));
    assert.equal((await describe1(t.clients.ec2, instanceID(claim.status?.providerID))).ImageId, ami);
    assert.equal(await userData(t.clients.ec2, instanceID(claim.status?.providerID)), "#cloud-config\nruncmd: [echo hi]\n");
  });

  it("launches spot when the claim allows it", async () => {
    await t.resolve(nodeClass("spot"));
    const claim = await t.provider.create(nodeClaim("spot-a", "spot", [it_("m5.large"), { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }]));
    assert.equal(claim.metadata.labels?.["karpenter.sh/capacity-type"], "spot");
    assert.equal((await describe1(t.clients.ec2, instanceID(claim.status?.providerID))).InstanceLifecycle, "spot");
  });

  it("is idempotent: a retried create finds the node already launched for the claim", async () => {
    await t.resolve(nodeClass("idem"));
    const first = await t.provider.create(nodeClaim("idem-a", "idem", [it_("m5.large"), onDemand]));
    const again = await t.provider.create(nodeClaim("idem-a", "idem", [it_("m5.large"), onDemand]));
    assert.equal(again.status?.providerID, first.status?.providerID);
    assert.deepEqual(again.status?.capacity, first.status?.capacity);
    const res = await t.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:karpenter.sh/nodeclaim", Values: ["idem-a"] }] }));
    assert.equal(res.Reservations?.flatMap((r) => r.Instances ?? []).length, 1);
  });

  it("launches concurrent claims, sharing one launch template", async () => {
    await t.resolve(nodeClass("burst"));
    const claims = await Promise.all(["b1", "b2", "b3", "b4"].map((n) => t.provider.create(nodeClaim(n, "burst", [it_("c5.large"), onDemand]))));
    assert.equal(new Set(claims.map((c) => c.status?.providerID)).size, 4);
    assert.equal((await templatesOf(t.clients.ec2, "burst")).length, 1);
  });

  it("gets, lists and terminates; a second delete says the node is gone", async () => {
    await t.resolve(nodeClass("life"));
    const claim = await t.provider.create(nodeClaim("life-a", "life", [it_("m5.large"), onDemand]));
    const pid = claim.status!.providerID!;
    const got = await t.provider.get(pid);
    assert.equal(got.metadata.name, "life-a");
    assert.equal(got.metadata.labels?.["karpenter.sh/nodepool"], "default");
    assert.deepEqual(got.status?.capacity, claim.status?.capacity);
    // An instance someone else launched is not ours to list (or collect).
    await t.clients.ec2.send(new RunInstancesCommand({ ImageId: AMI.al2023.amd64, MinCount: 1, MaxCount: 1, InstanceType: "t3.micro", SubnetId: s.subnets[0]!.id }));
    const listed = await t.provider.list();
    assert.ok(listed.some((c) => c.status?.providerID === pid));
    assert.ok(listed.every((c) => c.metadata.labels?.["karpenter.sh/nodepool"] === "default"));

    await t.provider.delete(claim);
    const state = (await describe1(t.clients.ec2, instanceID(pid))).State?.Name;
    assert.ok(state === "shutting-down" || state === "terminated", `terminating, got ${state}`);
    await assert.rejects(t.provider.delete(claim), NodeClaimNotFoundError);
    await assert.rejects(t.provider.get(pid), NodeClaimNotFoundError);
    await assert.rejects(t.provider.get("aws:///us-east-1a/i-0000000000000000f"), NodeClaimNotFoundError);
    assert.ok(!(await t.provider.list()).some((c) => c.status?.providerID === pid));
  });

  it("refuses to launch from a node class that is not ready, saying why", async () => {
    await t.resolve(nodeClass("notready", { subnetSelectorTerms: [{ tags: { nope: "nope" } }] }));
    await assert.rejects(t.provider.create(nodeClaim("nr-a", "notready", [onDemand])), (e: Error) => e instanceof NodeClassNotReadyError && /EC2NodeClass "notready" is not ready: EC2NodeClass "notready": spec.subnetSelectorTerms matched no subnet/.test(e.message));
    await assert.rejects(t.provider.create(nodeClaim("nr-b", "missing", [onDemand])), /nodeClassRef names EC2NodeClass "missing", which does not exist/);
  });

  it("reports drift: node class hash, AMI, subnet and security groups", async () => {
    const nc = await t.resolve(nodeClass("drift"));
    const claim = await t.provider.create(nodeClaim("drift-a", "drift", [it_("m5.large"), onDemand]));
    const id = instanceID(claim.status?.providerID);
    // moto's CreateFleet does not apply the launch template's security groups; set them as EC2 would have.
    await t.clients.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: nc.status!.securityGroups!.map((g) => g.id) }));
    assert.equal(await t.provider.isDrifted(claim), undefined);

    await t.resolve(nodeClass("drift", { userData: "echo changed" }));
    assert.equal(await t.provider.isDrifted(claim), "NodeClassDrift");
    const other = await registerAMI(moto(), "tenon-drift-ami");
    await t.resolve(nodeClass("drift", { amiFamily: "AL2023", amiSelectorTerms: [{ id: other }] }));
    assert.equal(await t.provider.isDrifted(claim), "AMIDrift");
    const zone = claim.metadata.labels?.["topology.kubernetes.io/zone"];
    const elsewhere = s.subnets.find((x) => x.zone !== zone)!.id;
    await t.resolve(nodeClass("drift", { subnetSelectorTerms: [{ id: elsewhere }] }));
    assert.equal(await t.provider.isDrifted(claim), "SubnetDrift");
    await t.resolve(nodeClass("drift", { securityGroupSelectorTerms: [{ name: "nodes-extra" }] }));
    assert.equal(await t.provider.isDrifted(claim), "SecurityGroupDrift");
    // A claim stamped by another hash version (Karpenter's) is not drifted by the hash alone.
    await t.resolve(nodeClass("drift", { userData: "echo changed" }));
    const fromKarpenter = { ...claim, metadata: { ...claim.metadata, annotations: { ...claim.metadata.annotations, "karpenter.k8s.aws/ec2nodeclass-hash-version": "v4" } } };
    assert.equal(await t.provider.isDrifted(fromKarpenter), undefined);
  });

  it("lists instance types for a NodePool from EC2, shaped like the bundled catalog", async () => {
    await t.resolve(nodeClass("types", { subnetSelectorTerms: [{ id: s.subnets[0]!.id }, { id: s.subnets[1]!.id }] }));
    const types = await t.provider.getInstanceTypes(nodePool("default", "types"));
    assert.ok(types.length > 500, `many types (${types.length})`);
    const live = types.find((x) => x.name === "m5.large")!;
    const offline = loadCatalogInstanceTypes("us-east-1", { zones: ["us-east-1a", "us-east-1b"] }).find((x) => x.name === "m5.large")!;
    assert.deepEqual(live.capacity, offline.capacity);
    assert.deepEqual(live.overhead, offline.overhead);
    assert.deepEqual(new Set(live.offerings.map((o) => o.zone)), new Set(["us-east-1a", "us-east-1b"]));
    assert.deepEqual(
      live.requirements.filter((r) => r.key !== "topology.k8s.aws/zone-id"),
      offline.requirements.filter((r) => r.key !== "topology.k8s.aws/zone-id"),
    );
  });

  it("deletes the node class's launch templates with it", async () => {
    const nc = t.nodeClasses.get("burst")!;
    assert.ok((await templatesOf(t.clients.ec2, "burst")).length > 0);
    await t.provider.deleteNodeClassResources(nc);
    assert.equal((await templatesOf(t.clients.ec2, "burst")).length, 0);
    // A launch after that recreates what it needs.
    await t.resolve(nodeClass("burst"));
    const claim = await t.provider.create(nodeClaim("b5", "burst", [it_("c5.large"), onDemand]));
    assert.ok(claim.status?.providerID);
  });
});
