// What an EKS account holds before tenon runs, put into moto: a VPC with three subnets in three
// zones and a security group, all tagged for discovery (`karpenter.sh/discovery: <cluster>`), the
// node IAM role, and the EKS-optimized AL2023 AMIs with the public SSM parameters that point at
// them (what `alias: al2023@latest` resolves through).
//
// Two things cannot go through moto's API, because AWS itself forbids them:
// - AMIs owned by Amazon: moto's own MOTO_AMIS_PATH setting loads an AMI catalog from a file;
//   this module writes one with the EKS AMIs (fixed IDs, Amazon's EKS owner account).
// - Parameters under /aws/service/: PutParameter refuses reserved names (as AWS does). moto loads
//   its own public parameters (/aws/service/ami-amazon-linux-latest, …/ecs/optimized-ami) lazily
//   from files on first access; a `sitecustomize` module on moto_server's PYTHONPATH adds the EKS
//   AMI parameters to that same lazy load. Both are read-only data, as in AWS.
// Everything else is created with the AWS SDK, as an operator's infrastructure code would.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import type { Moto } from "./moto.js";

/** Amazon's account that owns the EKS-optimized AMIs. */
export const EKS_AMI_OWNER = "602401143452";
/** The AMI release the seeded `recommended` parameters point at (`al2023@v20251120` pins it). */
export const AMI_RELEASE = "v20251120";
export const DISCOVERY_TAG = "karpenter.sh/discovery";

export interface SeedAMI {
  id: string;
  name: string;
  arch: "x86_64" | "arm64";
  variant: "standard" | "nvidia" | "neuron";
}

const AL2023_VARIANTS: readonly [SeedAMI["arch"], SeedAMI["variant"]][] = [
  ["x86_64", "standard"],
  ["x86_64", "nvidia"],
  ["x86_64", "neuron"],
  ["arm64", "standard"],
  ["arm64", "nvidia"],
];

/** A stable AMI ID for a name: the same every run, so logs and launch templates compare across runs. */
function amiID(name: string): string {
  return `ami-0${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}

/** The EKS-optimized AL2023 AMIs of a Kubernetes minor version ("1.34"). */
export function al2023AMIs(k8sMinor: string, release = AMI_RELEASE): SeedAMI[] {
  return AL2023_VARIANTS.map(([arch, variant]) => {
    const name = `amazon-eks-node-al2023-${arch}-${variant}-${k8sMinor}-${release}`;
    return { id: amiID(name), name, arch, variant };
  });
}

/** The public SSM parameters of the AL2023 alias: `recommended` and the pinned release, per arch and variant. */
export function al2023Parameters(k8sMinor: string, amis: readonly SeedAMI[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ami of amis) {
    const base = `/aws/service/eks/optimized-ami/${k8sMinor}/amazon-linux-2023/${ami.arch}/${ami.variant}`;
    out[`${base}/recommended/image_id`] = ami.id;
    out[`${base}/${ami.name}/image_id`] = ami.id;
  }
  return out;
}

// Runs inside moto_server's Python at startup. moto calls ParameterDict._check_loading_status
// with every parameter name it looks up, and loads its bundled public parameters there; this adds
// ours (a JSON object of name → value) to the same load, once per account and region.
const SITECUSTOMIZE = `# Written by tenon's test/env/seed.ts: adds public SSM parameters (AWS-owned, read-only) to moto.
import json as _json
import os as _os

_path = _os.environ.get("TENON_MOTO_PUBLIC_PARAMETERS")
if _path:
    from collections import defaultdict as _defaultdict
    from moto.core.utils import utcnow as _utcnow
    from moto.ssm import models as _models

    with open(_path, encoding="utf-8") as _f:
        _params = _json.load(_f)
    _original = _models.ParameterDict._check_loading_status

    def _check_loading_status(self, key):
        _original(self, key)
        if getattr(self, "_tenon_public_loaded", False) or not str(key or "").startswith("/aws/service/"):
            return
        self._tenon_public_loaded = True
        for name, value in _params.items():
            _defaultdict.__getitem__(self, name).append(
                _models.Parameter(
                    account_id=self.account_id,
                    name=name,
                    value=value,
                    parameter_type="String",
                    description=None,
                    allowed_pattern=None,
                    keyid=None,
                    last_modified_date=_utcnow(),
                    version=1,
                    data_type="aws:ec2:image",
                )
            )

    _models.ParameterDict._check_loading_status = _check_loading_status
`;

/**
 * Writes the AMI catalog and the parameter hook into dir and returns the environment for
 * moto_server (pass it as `startMoto({ env })`).
 */
export function motoSeedEnv(dir: string, k8sMinor: string): { env: Record<string, string>; amis: SeedAMI[] } {
  mkdirSync(dir, { recursive: true });
  const amis = al2023AMIs(k8sMinor);
  const catalog = amis.map((a) => ({
    ami_id: a.id,
    name: a.name,
    description: `EKS-optimized Kubernetes node based on Amazon Linux 2023, (k8s: ${k8sMinor}, containerd), ${a.variant}`,
    state: "available",
    public: true,
    owner_id: EKS_AMI_OWNER,
    image_location: `amazon/${a.name}`,
    architecture: a.arch,
    virtualization_type: "hvm",
    hypervisor: "xen",
    root_device_type: "ebs",
    root_device_name: "/dev/xvda",
    sriov: "simple",
    image_type: "machine",
    boot_mode: "uefi-preferred",
    creation_date: "2025-11-20T00:00:00.000Z",
  }));
  const amisPath = join(dir, "amis.json");
  writeFileSync(amisPath, JSON.stringify(catalog, null, 1));
  const paramsPath = join(dir, "public-parameters.json");
  writeFileSync(paramsPath, JSON.stringify(al2023Parameters(k8sMinor, amis), null, 1));
  const pyDir = join(dir, "python");
  mkdirSync(pyDir, { recursive: true });
  writeFileSync(join(pyDir, "sitecustomize.py"), SITECUSTOMIZE);
  return {
    amis,
    env: { MOTO_AMIS_PATH: amisPath, TENON_MOTO_PUBLIC_PARAMETERS: paramsPath, PYTHONPATH: pyDir },
  };
}

export interface SeedOptions {
  clusterName: string;
  /** Zones of the three subnets; default <region>a, b, c. */
  zones?: string[];
  vpcCIDR?: string;
}

export interface SeededSubnet {
  id: string;
  zone: string;
  cidr: string;
}

export interface SeededAWS {
  vpcId: string;
  subnets: SeededSubnet[];
  securityGroupId: string;
  /** The node role an EC2NodeClass names in spec.role. */
  nodeRoleName: string;
  amis: SeedAMI[];
}

const tags = (m: Record<string, string>): Tag[] => Object.entries(m).map(([Key, Value]) => ({ Key, Value }));

/** Creates the cluster's network and node role in moto. */
export async function seedAWS(moto: Moto, amis: SeedAMI[], opts: SeedOptions): Promise<SeededAWS> {
  const ec2 = new EC2Client(moto.clientConfig());
  const iam = new IAMClient(moto.clientConfig());
  const cluster = opts.clusterName;
  const discovery = { [DISCOVERY_TAG]: cluster, [`kubernetes.io/cluster/${cluster}`]: "shared" };
  try {
    const vpcCIDR = opts.vpcCIDR ?? "10.20.0.0/16";
    const vpc = await ec2.send(
      new CreateVpcCommand({ CidrBlock: vpcCIDR, TagSpecifications: [{ ResourceType: "vpc", Tags: tags({ Name: `${cluster}-vpc` }) }] }),
    );
    const vpcId = vpc.Vpc!.VpcId!;
    const zones = opts.zones ?? ["a", "b", "c"].map((z) => `${moto.region}${z}`);
    const prefix = vpcCIDR.split(".").slice(0, 2).join(".");
    const subnets: SeededSubnet[] = [];
    for (const [i, zone] of zones.entries()) {
      const cidr = `${prefix}.${i * 32}.0/19`;
      const res = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: cidr,
          AvailabilityZone: zone,
          TagSpecifications: [{ ResourceType: "subnet", Tags: tags({ ...discovery, Name: `${cluster}-private-${zone}`, "kubernetes.io/role/internal-elb": "1" }) }],
        }),
      );
      subnets.push({ id: res.Subnet!.SubnetId!, zone, cidr });
    }
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `${cluster}-node`, Description: `nodes of ${cluster}`, VpcId: vpcId }),
    );
    const securityGroupId = sg.GroupId!;
    await ec2.send(new CreateTagsCommand({ Resources: [securityGroupId], Tags: tags({ ...discovery, Name: `${cluster}-node` }) }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: securityGroupId,
        IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: securityGroupId }] }],
      }),
    );
    const nodeRoleName = `KarpenterNodeRole-${cluster}`;
    await iam.send(
      new CreateRoleCommand({
        RoleName: nodeRoleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        Tags: [{ Key: DISCOVERY_TAG, Value: cluster }],
      }),
    );
    return { vpcId, subnets, securityGroupId, nodeRoleName, amis };
  } finally {
    ec2.destroy();
    iam.destroy();
  }
}
