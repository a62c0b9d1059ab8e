// What differs between AMI families: default volumes, which volume holds ephemeral storage, and how
// pod density and kube-reserved are computed. Values follow Karpenter's amifamily package, so that
// the same EC2NodeClass gives the same node shapes under tenon.
import type { AMIFamily, BlockDeviceMapping, EC2NodeClassSpec } from "../../apis/ec2nodeclass.js";

export interface FamilyFeatures {
  /** kube-reserved memory counts ENI-limited pods even when maxPods is set (EKS AMIs' bootstrap does). */
  usesENILimitedMemoryOverhead: boolean;
  podsPerCoreEnabled: boolean;
  evictionSoftEnabled: boolean;
  /** Without kubelet.maxPods, pods = the ENI limit (else 110). */
  supportsENILimitedPodDensity: boolean;
}

export interface FamilyTraits {
  features: FamilyFeatures;
  /** The device whose size is the node's ephemeral storage. */
  ephemeralBlockDevice: string;
  defaultBlockDeviceMappings: BlockDeviceMapping[];
  /** Windows only: node.kubernetes.io/windows-build. */
  windowsBuild?: string;
}

const defaultFeatures: FamilyFeatures = {
  usesENILimitedMemoryOverhead: true,
  podsPerCoreEnabled: true,
  evictionSoftEnabled: true,
  supportsENILimitedPodDensity: true,
};

/** gp3, encrypted, 20Gi: what an EKS AMI root volume gets unless the node class says otherwise. */
export const defaultEBS = { encrypted: true, volumeType: "gp3" as const, volumeSize: "20Gi" };

const xvda20: BlockDeviceMapping[] = [{ deviceName: "/dev/xvda", ebs: { ...defaultEBS } }];

const traits: Record<AMIFamily, FamilyTraits> = {
  AL2: { features: defaultFeatures, ephemeralBlockDevice: "/dev/xvda", defaultBlockDeviceMappings: xvda20 },
  AL2023: { features: defaultFeatures, ephemeralBlockDevice: "/dev/xvda", defaultBlockDeviceMappings: xvda20 },
  Custom: { features: defaultFeatures, ephemeralBlockDevice: "/dev/xvda", defaultBlockDeviceMappings: xvda20 },
  // Bottlerocket boots from a small OS volume and keeps containers and pods on a data volume.
  Bottlerocket: {
    features: { usesENILimitedMemoryOverhead: false, podsPerCoreEnabled: false, evictionSoftEnabled: false, supportsENILimitedPodDensity: true },
    ephemeralBlockDevice: "/dev/xvdb",
    defaultBlockDeviceMappings: [
      { deviceName: "/dev/xvda", ebs: { ...defaultEBS, volumeSize: "4Gi" } },
      { deviceName: "/dev/xvdb", ebs: { ...defaultEBS } },
    ],
  },
  Windows2019: {
    features: { usesENILimitedMemoryOverhead: false, podsPerCoreEnabled: true, evictionSoftEnabled: true, supportsENILimitedPodDensity: false },
    ephemeralBlockDevice: "/dev/sda1",
    defaultBlockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { ...defaultEBS, volumeSize: "50Gi" } }],
    windowsBuild: "10.0.17763",
  },
  Windows2022: {
    features: { usesENILimitedMemoryOverhead: false, podsPerCoreEnabled: true, evictionSoftEnabled: true, supportsENILimitedPodDensity: false },
    ephemeralBlockDevice: "/dev/sda1",
    defaultBlockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { ...defaultEBS, volumeSize: "50Gi" } }],
    windowsBuild: "10.0.20348",
  },
  Windows2025: {
    features: { usesENILimitedMemoryOverhead: false, podsPerCoreEnabled: true, evictionSoftEnabled: true, supportsENILimitedPodDensity: false },
    ephemeralBlockDevice: "/dev/sda1",
    defaultBlockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { ...defaultEBS, volumeSize: "50Gi" } }],
    windowsBuild: "10.0.26100",
  },
};

export function familyTraits(family: AMIFamily): FamilyTraits {
  return traits[family];
}

export const isWindows = (family: AMIFamily): boolean => family === "Windows2019" || family === "Windows2022" || family === "Windows2025";

const aliasToFamily: Record<string, AMIFamily> = {
  al2: "AL2",
  al2023: "AL2023",
  bottlerocket: "Bottlerocket",
  windows2019: "Windows2019",
  windows2022: "Windows2022",
  windows2025: "Windows2025",
};

export interface Alias {
  family: AMIFamily;
  version: string;
}

/** The `family@version` alias of the node class's AMI selector, if it uses one. */
export function aliasOf(spec: Pick<EC2NodeClassSpec, "amiSelectorTerms">): Alias | undefined {
  const alias = spec.amiSelectorTerms.find((t) => t.alias !== undefined)?.alias;
  if (alias === undefined) return undefined;
  const [name, version] = alias.split("@");
  const family = aliasToFamily[name ?? ""];
  if (!family || !version) return undefined;
  return { family, version };
}

/** spec.amiFamily, else the alias's family; validation guarantees one of them is there. */
export function amiFamilyOf(spec: Pick<EC2NodeClassSpec, "amiFamily" | "amiSelectorTerms">): AMIFamily {
  return spec.amiFamily ?? aliasOf(spec)?.family ?? "Custom";
}
