// Seeds moto with what an EKS account has (VPC, tagged subnets in three zones, security groups, a
// node role, AMIs) and builds the AWS provider pointed at it the way a user points tenon at a
// VPC endpoint.
import {
  CopyImageCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { type EC2NodeClass, type EC2NodeClassInput, parseEC2NodeClass, parseNodeClaim, parseNodePool, type NodeClaim, type NodePool } from "../../src/apis/index.js";
import { AWSCloudProvider, type AWSCloudProviderOptions, createAWSClients, type AWSClients } from "../../src/cloudprovider/aws/index.js";
import type { Moto } from "../env/moto.js";

export const CLUSTER = "tenon-test";
export const K8S_VERSION = "1.34";
export const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
export const DISCOVERY = { "karpenter.sh/discovery": CLUSTER };

/**
 * AMIs moto ships by default, standing in for the EKS-optimized AMIs of each alias. Each variant
 * gets a different image so tests can tell which one a node got.
 */
export const AMI = {
  al2023: { amd64: "ami-03c3da4cfa8e8943a", amd64Nvidia: "ami-0d27e0fb3bac4d724", amd64Neuron: "ami-0ac48d91c7d16772c", arm64: "ami-08a311a6aaa3cd94a", arm64Nvidia: "ami-065b1b834d2a83a7a" },
  al2: { amd64: "ami-0f8848d57eb4fe2d2", arm64: "ami-0ec9fb22458dddf3d", gpu: "ami-0fb23f2d720767b7a" },
  bottlerocket: { amd64: "ami-0beaec11cce0acc97", arm64: "ami-0408b0c46432a9446", amd64Nvidia: "ami-01307219d459525d7" },
  windows2022: "ami-ekswin",
} as const;

/**
 * AWS's public SSM parameters for the aliases. moto (like AWS) refuses to create parameters
 * under /aws/ (AccessDenied: reserved name), so they are served by an overlay on the provider's
 * SSM client; every other parameter goes to moto.
 */
export function publicParameters(k8s = K8S_VERSION): Record<string, string> {
  const eks = `/aws/service/eks/optimized-ami/${k8s}`;
  const br = `/aws/service/bottlerocket/aws-k8s-${k8s}`;
  return {
    [`${eks}/amazon-linux-2023/x86_64/standard/recommended/image_id`]: AMI.al2023.amd64,
    [`${eks}/amazon-linux-2023/x86_64/nvidia/recommended/image_id`]: AMI.al2023.amd64Nvidia,
    [`${eks}/amazon-linux-2023/x86_64/neuron/recommended/image_id`]: AMI.al2023.amd64Neuron,
    [`${eks}/amazon-linux-2023/arm64/standard/recommended/image_id`]: AMI.al2023.arm64,
    [`${eks}/amazon-linux-2023/arm64/nvidia/recommended/image_id`]: AMI.al2023.arm64Nvidia,
    [`${eks}/amazon-linux-2/recommended/image_id`]: AMI.al2.amd64,
    [`${eks}/amazon-linux-2-arm64/recommended/image_id`]: AMI.al2.arm64,
    [`${eks}/amazon-linux-2-gpu/recommended/image_id`]: AMI.al2.gpu,
    [`${br}/x86_64/latest/image_id`]: AMI.bottlerocket.amd64,
    [`${br}/arm64/latest/image_id`]: AMI.bottlerocket.arm64,
    [`${br}-nvidia/x86_64/latest/image_id`]: AMI.bottlerocket.amd64Nvidia,
    [`/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-${k8s}/image_id`]: AMI.windows2022,
  };
}

/**
 * Serves `params` from the client and passes every other GetParameter to moto. A parameter named
 * in `faults` fails with that error instead (one call per throw while it stays there).
 */
export function overlaySSM(ssm: SSMClient, moto: Moto, params: Record<string, string>, faults: Map<string, Error> = new Map()): void {
  const real = new SSMClient(moto.clientConfig());
  mockClient(ssm)
    .on(GetParameterCommand)
    .callsFake(async (input: { Name?: string }) => {
      const fault = input.Name ? faults.get(input.Name) : undefined;
      if (fault) throw fault;
      const v = input.Name ? params[input.Name] : undefined;
      if (v !== undefined) return { Parameter: { Name: input.Name, Value: v, Type: "String" } };
      return real.send(new GetParameterCommand({ Name: input.Name }));
    });
}

export interface Seeded {
  vpcID: string;
  subnets: { id: string; zone: string }[];
  /** A subnet in a fourth zone that selectors must not pick. */
  otherSubnet: string;
  securityGroups: { id: string; name: string }[];
  roleName: string;
}

export async function seed(moto: Moto): Promise<Seeded> {
  const ec2 = new EC2Client(moto.clientConfig());
  const iam = new IAMClient(moto.clientConfig());
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const subnets: { id: string; zone: string }[] = [];
  for (const [i, zone] of ZONES.entries()) {
    const id = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.0.${i * 16}.0/20`, AvailabilityZone: zone }))).Subnet!.SubnetId!;
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "karpenter.sh/discovery", Value: CLUSTER }, { Key: "Name", Value: `private-${zone}` }] }));
    subnets.push({ id, zone });
  }
  const otherSubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.128.0/20", AvailabilityZone: "us-east-1d" }))).Subnet!.SubnetId!;
  const securityGroups: { id: string; name: string }[] = [];
  for (const name of ["nodes", "nodes-extra"]) {
    const id = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: name, Description: name }))).GroupId!;
    if (name === "nodes") await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "karpenter.sh/discovery", Value: CLUSTER }] }));
    securityGroups.push({ id, name });
  }
  const roleName = "KarpenterNodeRole-tenon-test";
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    }),
  );
  return { vpcID: vpc, subnets, otherSubnet, securityGroups, roleName };
}

/**
 * A custom AMI of ours: a copy of a stock Amazon Linux image (moto's RegisterImage records no
 * architecture, which every real image has), with tags.
 */
export async function registerAMI(moto: Moto, name: string, tags: Record<string, string> = {}, source: string = AMI.al2023.amd64): Promise<string> {
  const ec2 = new EC2Client(moto.clientConfig());
  const id = (await ec2.send(new CopyImageCommand({ Name: name, SourceImageId: source, SourceRegion: moto.region }))).ImageId!;
  if (Object.keys(tags).length > 0) await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  return id;
}

export function nodeClass(name: string, spec: Partial<EC2NodeClassInput["spec"]> = {}): EC2NodeClass {
  return parseEC2NodeClass({
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name, generation: 1 },
    spec: {
      role: "KarpenterNodeRole-tenon-test",
      subnetSelectorTerms: [{ tags: DISCOVERY }],
      securityGroupSelectorTerms: [{ tags: DISCOVERY }],
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      ...spec,
    },
  });
}

export function nodePool(name: string, nodeClassName: string, requirements: { key: string; operator: string; values?: string[] }[] = []): NodePool {
  return parseNodePool({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: { template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: nodeClassName }, requirements } } },
  });
}

export function nodeClaim(
  name: string,
  nodeClassName: string,
  requirements: { key: string; operator: string; values?: string[] }[],
  extra: { requests?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[]; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): NodeClaim {
  return parseNodeClaim({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, uid: `uid-${name}`, labels: { "karpenter.sh/nodepool": "default", ...(extra.labels ?? {}) }, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: nodeClassName },
      requirements,
      ...(extra.requests ? { resources: { requests: extra.requests } } : {}),
      ...(extra.taints ? { taints: extra.taints } : {}),
    },
  });
}

export interface TestProvider {
  provider: AWSCloudProvider;
  clients: AWSClients;
  /** Node classes the provider reads, by name (what a controller's informer would hold). */
  nodeClasses: Map<string, EC2NodeClass>;
  /** Resolves a node class's status as the status controller would and stores it. */
  resolve(nc: EC2NodeClass): Promise<EC2NodeClass>;
  /** SSM parameters that fail, by name, with the error given (e.g. a ThrottlingException). */
  ssmFaults: Map<string, Error>;
}

export function testProvider(moto: Moto, overrides: Partial<AWSCloudProviderOptions> = {}): TestProvider {
  const clients = createAWSClients({ region: moto.region, endpoints: { default: moto.endpoint }, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  const ssmFaults = new Map<string, Error>();
  overlaySSM(clients.ssm, moto, publicParameters(), ssmFaults);
  const nodeClasses = new Map<string, EC2NodeClass>();
  const provider = new AWSCloudProvider({
    clusterName: CLUSTER,
    clusterEndpoint: "https://tenon-test.example.com",
    region: moto.region,
    clients,
    getNodeClass: async (name) => nodeClasses.get(name),
    kubernetesVersion: async () => K8S_VERSION,
    caBundle: Buffer.from("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n").toString("base64"),
    clusterCIDR: "172.20.0.0/16",
    kubeDNSIP: "172.20.0.10",
    // Short batch windows keep the tests quick; batching itself is exercised all the same.
    fleetBatching: { idleMs: 10, maxMs: 200, maxItems: 100 },
    instanceBatching: { idleMs: 10, maxMs: 200, maxItems: 100 },
    ...overrides,
  });
  return {
    provider,
    clients,
    nodeClasses,
    ssmFaults,
    async resolve(nc) {
      // What the status controller writes: the status without the resolver's report of failures.
      const { refreshFailures: _reported, ...status } = await provider.resolveNodeClass(nc);
      const resolved = { ...nc, status };
      nodeClasses.set(nc.metadata.name ?? "", resolved);
      return resolved;
    },
  };
}

export const condition = (nc: EC2NodeClass, type: string) => nc.status?.conditions?.find((c) => c.type === type);
