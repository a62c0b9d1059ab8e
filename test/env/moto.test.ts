import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateVpcCommand, DescribeInstanceTypesCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { useMoto } from "./index.js";

describe("moto", () => {
  const moto = useMoto();

  it("creates a VPC and describes it", async () => {
    const ec2 = new EC2Client(moto().clientConfig());
    const created = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16" }));
    const id = created.Vpc?.VpcId;
    assert.ok(id, "CreateVpc returned a VpcId");
    const described = await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }));
    assert.equal(described.Vpcs?.[0]?.CidrBlock, "10.42.0.0/16");
  });

  it("serves the instance type catalog", async () => {
    const ec2 = new EC2Client(moto().clientConfig());
    const res = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["m5.large"] }));
    const m5 = res.InstanceTypes?.[0];
    assert.equal(m5?.InstanceType, "m5.large");
    assert.equal(m5?.VCpuInfo?.DefaultVCpus, 2);
    assert.equal(m5?.MemoryInfo?.SizeInMiB, 8192);
  });

  it("forgets everything on reset", async () => {
    const ec2 = new EC2Client(moto().clientConfig());
    const created = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.43.0.0/16" }));
    await moto().reset();
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    assert.ok(!vpcs.Vpcs?.some((v) => v.VpcId === created.Vpc?.VpcId), "the VPC is gone after reset");
  });
});
