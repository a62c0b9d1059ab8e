// EC2NodeClass launch options against moto, checked in the launch template EC2 holds
// (DescribeLaunchTemplateVersions) and the instance (DescribeInstances): explicit and EFA-only
// network interfaces, IPv4 prefixes, connection tracking timeouts and CPU options.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, type RequestLaunchTemplateData } from "@aws-sdk/client-ec2";
import { useMoto } from "../env/index.js";
import { nodeClaim, nodeClass, seed, testProvider, type TestProvider } from "./fixtures.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const type = (name: string) => ({ key: "node.kubernetes.io/instance-type", operator: "In", values: [name] });

describe("EC2NodeClass launch options reaching the launch (moto)", () => {
  const moto = useMoto();
  let t: TestProvider;
  before(async () => {
    await seed(moto());
    t = testProvider(moto());
  });

  const templateOf = async (nodeClassName: string): Promise<RequestLaunchTemplateData> => {
    const lts = (await t.clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:karpenter.k8s.aws/ec2nodeclass", Values: [nodeClassName] }] }))).LaunchTemplates ?? [];
    assert.equal(lts.length, 1, `one launch template for ${nodeClassName}`);
    const data = (await t.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lts[0]!.LaunchTemplateId }))).LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    assert.ok(data);
    return data as RequestLaunchTemplateData;
  };
  const launch = async (name: string, spec: Parameters<typeof nodeClass>[1], instanceType = "m5.large") => {
    const nc = await t.resolve(nodeClass(name, spec));
    const claim = await t.provider.create(nodeClaim(`${name}-a`, name, [type(instanceType), onDemand]));
    const id = claim.status?.providerID?.split("/").pop() ?? "";
    const instance = (await t.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.ok(instance, `instance ${id} exists`);
    return { nc, claim, instance, lt: await templateOf(name) };
  };

  it("passes ipPrefixCount and connection tracking to the primary interface", async () => {
    const { nc, lt, instance } = await launch("prefixes", { ipPrefixCount: 2, connectionTracking: { tcpEstablishedTimeout: 3600, udpStreamTimeout: 120, udpTimeout: 45 } });
    const groups = nc.status!.securityGroups!.map((g) => g.id).sort();
    assert.equal(lt.NetworkInterfaces?.length, 1);
    const ni = lt.NetworkInterfaces![0]!;
    assert.equal(ni.DeviceIndex, 0);
    assert.equal(ni.Ipv4PrefixCount, 2);
    assert.deepEqual(ni.ConnectionTrackingSpecification, { TcpEstablishedTimeout: 3600, UdpStreamTimeout: 120, UdpTimeout: 45 });
    assert.deepEqual([...(ni.Groups ?? [])].sort(), groups);
    assert.equal(lt.SecurityGroupIds, undefined, "security groups go on the interface when it is spelt out");
    assert.equal(instance.State?.Name, "running");
  });

  it("attaches exactly the listed network interfaces, EFA-only ones without IP options", async () => {
    const { lt } = await launch(
      "efa-only",
      {
        ipPrefixCount: 1,
        connectionTracking: { udpTimeout: 30 },
        networkInterfaces: [
          { networkCardIndex: 0, deviceIndex: 0, interfaceType: "interface" },
          { networkCardIndex: 1, deviceIndex: 0, interfaceType: "efa-only" },
        ],
      },
      "p5.48xlarge",
    );
    const nis = [...(lt.NetworkInterfaces ?? [])].sort((a, b) => (a.NetworkCardIndex ?? 0) - (b.NetworkCardIndex ?? 0));
    assert.deepEqual(
      nis.map((n) => [n.NetworkCardIndex, n.DeviceIndex, n.InterfaceType, n.Ipv4PrefixCount, n.ConnectionTrackingSpecification?.UdpTimeout]),
      [
        [0, 0, "interface", 1, 30],
        [1, 0, "efa-only", undefined, undefined],
      ],
    );
  });

  it("passes CPU options (nested virtualization)", async () => {
    const { lt } = await launch("nested", { cpuOptions: { nestedVirtualization: "enabled" } });
    assert.equal(lt.CpuOptions?.NestedVirtualization, "enabled");
  });
});
