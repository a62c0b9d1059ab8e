// Launch templates, one per distinct content, named by a hash of that content: created when first
// needed, reused by every launch that needs the same thing, deleted with their node class.
import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  type DescribeLaunchTemplatesCommandOutput,
  type EC2Client,
  type LaunchTemplateBlockDeviceMappingRequest,
  type LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
  type RequestLaunchTemplateData,
} from "@aws-sdk/client-ec2";
import { createHash } from "node:crypto";
import type { BlockDeviceMapping, ConnectionTracking, CPUOptions, MetadataOptions, NetworkInterface } from "../../../apis/ec2nodeclass.js";
import { EC2NodeClassTag } from "../../../apis/labels.js";
import { isAlreadyExists, isNotFound } from "../errors.js";
import { parseQuantity } from "../../../core/quantity.js";
import { LaunchTemplateClusterTag, toEC2Tags } from "./tags.js";

/** Everything that goes into one launch template. */
export interface LaunchTemplateSpec {
  nodeClassName: string;
  amiID: string;
  userData: string;
  instanceProfile: string;
  securityGroupIDs: string[];
  metadataOptions: MetadataOptions;
  blockDeviceMappings: BlockDeviceMapping[];
  detailedMonitoring: boolean;
  associatePublicIPAddress?: boolean | undefined;
  /** EFA interfaces to attach (when the claim asks for vpc.amazonaws.com/efa). */
  efaCount: number;
  /** The reservation a reserved launch targets; absent for on-demand and spot. */
  capacityReservationID?: string | undefined;
  /** The targeted reservation's kind: a capacity block or an interruptible reservation needs its own market type. */
  capacityReservationType?: "default" | "capacity-block" | undefined;
  capacityReservationInterruptible?: boolean | undefined;
  /** spec.networkInterfaces: when given, exactly these interfaces (EFA-only ones included). */
  networkInterfaces?: NetworkInterface[] | undefined;
  /** spec.ipPrefixCount: IPv4 prefixes on each interface that carries IPs. */
  ipPrefixCount?: number | undefined;
  /** spec.connectionTracking: idle timeouts on each interface but EFA-only ones. */
  connectionTracking?: ConnectionTracking | undefined;
  /** spec.cpuOptions. */
  cpuOptions?: CPUOptions | undefined;
  /** Dedicated tenancy when the claim requires it; absent for the default (shared) tenancy. */
  tenancy?: "dedicated" | undefined;
  /** The node class's resolved placement group (spec.placementGroupSelector). */
  placementGroupID?: string | undefined;
  /** The partition of a partition group the claim asks for; absent lets EC2 choose. */
  placementPartition?: number | undefined;
  /** Tags of the template and of the network interfaces it creates. */
  tags: Record<string, string>;
}

export interface EnsuredLaunchTemplate {
  name: string;
  id: string;
}

/** Volume size in GiB, rounded up, as EC2 takes it. */
const volumeGiB = (size: string | undefined): number | undefined => (size === undefined ? undefined : Math.ceil(parseQuantity(size, "storage") / 2 ** 30));

function blockDevices(bdms: BlockDeviceMapping[]): LaunchTemplateBlockDeviceMappingRequest[] | undefined {
  if (bdms.length === 0) return undefined;
  return bdms.map((b) => ({
    DeviceName: b.deviceName,
    Ebs: b.ebs && {
      DeleteOnTermination: b.ebs.deleteOnTermination,
      Encrypted: b.ebs.encrypted,
      Iops: b.ebs.iops,
      KmsKeyId: b.ebs.kmsKeyID,
      SnapshotId: b.ebs.snapshotID,
      Throughput: b.ebs.throughput,
      VolumeInitializationRate: b.ebs.volumeInitializationRate,
      VolumeSize: volumeGiB(b.ebs.volumeSize),
      VolumeType: b.ebs.volumeType,
    },
  }));
}

function connectionTrackingSpec(ct: ConnectionTracking | undefined): LaunchTemplateInstanceNetworkInterfaceSpecificationRequest["ConnectionTrackingSpecification"] {
  if (!ct) return undefined;
  return { TcpEstablishedTimeout: ct.tcpEstablishedTimeout, UdpStreamTimeout: ct.udpStreamTimeout, UdpTimeout: ct.udpTimeout };
}

/**
 * The interfaces to spell out, or undefined for EC2's default single interface (security groups then
 * go on the instance). Spelt out when the node class lists them, asks for a public IP choice, IP
 * prefixes or connection tracking, or the claim asks for EFA. EFA-only interfaces carry no IPs, so
 * they get no prefixes, public IP or connection tracking (EC2 refuses those on them).
 */
function networkInterfaces(s: LaunchTemplateSpec): LaunchTemplateInstanceNetworkInterfaceSpecificationRequest[] | undefined {
  const conntrack = connectionTrackingSpec(s.connectionTracking);
  const ipOptions = (primary: boolean) => ({
    ...(primary && s.associatePublicIPAddress !== undefined ? { AssociatePublicIpAddress: s.associatePublicIPAddress } : {}),
    ...(s.ipPrefixCount !== undefined ? { Ipv4PrefixCount: s.ipPrefixCount } : {}),
    ...(conntrack ? { ConnectionTrackingSpecification: conntrack } : {}),
  });
  if (s.networkInterfaces && s.networkInterfaces.length > 0) {
    return s.networkInterfaces.map((ni) => ({
      NetworkCardIndex: ni.networkCardIndex,
      DeviceIndex: ni.deviceIndex,
      InterfaceType: ni.interfaceType,
      Groups: s.securityGroupIDs,
      ...(ni.interfaceType === "efa-only" ? {} : ipOptions(ni.networkCardIndex === 0 && ni.deviceIndex === 0)),
    }));
  }
  const explicit = s.associatePublicIPAddress !== undefined || s.efaCount > 0 || s.ipPrefixCount !== undefined || conntrack !== undefined;
  if (!explicit) return undefined;
  return Array.from({ length: Math.max(s.efaCount, 1) }, (_, i) => ({
    // One card gets device index 0, the rest 1: the first card is the instance's primary route.
    DeviceIndex: i === 0 ? 0 : 1,
    NetworkCardIndex: i,
    ...(s.efaCount > 0 ? { InterfaceType: "efa" } : {}),
    Groups: s.securityGroupIDs,
    ...ipOptions(i === 0),
  }));
}

function placement(s: LaunchTemplateSpec): Pick<RequestLaunchTemplateData, "Placement"> {
  const p = {
    ...(s.tenancy ? { Tenancy: s.tenancy } : {}),
    ...(s.placementGroupID ? { GroupId: s.placementGroupID } : {}),
    ...(s.placementGroupID && s.placementPartition !== undefined ? { PartitionNumber: s.placementPartition } : {}),
  };
  return Object.keys(p).length > 0 ? { Placement: p } : {};
}

/**
 * Karpenter v1.14's targeted launch mode (the ReservedCapacity gate, on by default): a reserved
 * launch goes only into its reservation, with the market type a capacity block or an interruptible
 * reservation requires; every other launch opts out of open reservations, so a node is reserved
 * exactly when tenon meant it to be (and its capacity type label tells the truth).
 */
function capacityReservation(s: LaunchTemplateSpec): Pick<RequestLaunchTemplateData, "CapacityReservationSpecification" | "InstanceMarketOptions"> {
  if (!s.capacityReservationID) return { CapacityReservationSpecification: { CapacityReservationPreference: "none" } };
  const market = s.capacityReservationType === "capacity-block" ? "capacity-block" : s.capacityReservationInterruptible ? "interruptible-capacity-reservation" : undefined;
  return {
    CapacityReservationSpecification: { CapacityReservationPreference: "capacity-reservations-only", CapacityReservationTarget: { CapacityReservationId: s.capacityReservationID } },
    ...(market ? { InstanceMarketOptions: { MarketType: market } } : {}),
  };
}

export function launchTemplateData(s: LaunchTemplateSpec): RequestLaunchTemplateData {
  const interfaces = networkInterfaces(s);
  return {
    ImageId: s.amiID,
    UserData: s.userData,
    IamInstanceProfile: { Name: s.instanceProfile },
    ...(interfaces ? { NetworkInterfaces: interfaces } : { SecurityGroupIds: s.securityGroupIDs }),
    MetadataOptions: {
      HttpEndpoint: s.metadataOptions.httpEndpoint,
      HttpProtocolIpv6: s.metadataOptions.httpProtocolIPv6,
      HttpPutResponseHopLimit: s.metadataOptions.httpPutResponseHopLimit,
      HttpTokens: s.metadataOptions.httpTokens,
    },
    BlockDeviceMappings: blockDevices(s.blockDeviceMappings),
    Monitoring: { Enabled: s.detailedMonitoring },
    ...placement(s),
    ...(s.cpuOptions?.nestedVirtualization ? { CpuOptions: { NestedVirtualization: s.cpuOptions.nestedVirtualization } } : {}),
    ...capacityReservation(s),
    TagSpecifications: [{ ResourceType: "network-interface", Tags: toEC2Tags(s.tags) }],
  };
}

/** karpenter.k8s.aws/<64-bit hash of the content>: equal content, equal name, one template. */
export function launchTemplateName(s: LaunchTemplateSpec): string {
  const digest = createHash("sha256").update(JSON.stringify(launchTemplateData(s))).update(JSON.stringify(toEC2Tags(s.tags))).digest("hex");
  return `karpenter.k8s.aws/${BigInt(`0x${digest.slice(0, 16)}`).toString()}`;
}

/** A template no launch has used for this long is no longer needed by any NodeClaim. */
export const LAUNCH_TEMPLATE_IDLE_MS = 10 * 60_000;

export class LaunchTemplateProvider {
  private readonly known = new Map<string, EnsuredLaunchTemplate>();
  /** When each template was last needed by a launch (this process; the leader is the only launcher). */
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly ec2: EC2Client,
    private readonly clusterName: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The template for this content, created if it does not exist yet. */
  async ensure(s: LaunchTemplateSpec): Promise<EnsuredLaunchTemplate> {
    const name = launchTemplateName(s);
    this.lastUsed.set(name, this.clock());
    const cached = this.known.get(name);
    if (cached) return cached;
    let found = await this.describe(name);
    if (!found) {
      try {
        const res = await this.ec2.send(
          new CreateLaunchTemplateCommand({
            LaunchTemplateName: name,
            LaunchTemplateData: launchTemplateData(s),
            TagSpecifications: [{ ResourceType: "launch-template", Tags: toEC2Tags({ ...s.tags, [LaunchTemplateClusterTag]: this.clusterName }) }],
          }),
        );
        found = { name, id: res.LaunchTemplate?.LaunchTemplateId ?? "" };
      } catch (err) {
        // A concurrent launch created the same template: use it.
        if (!isAlreadyExists(err)) throw err;
        found = await this.describe(name);
        if (!found) throw err;
      }
    }
    this.known.set(name, found);
    return found;
  }

  private async describe(name: string): Promise<EnsuredLaunchTemplate | undefined> {
    try {
      const res = await this.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
      const lt = res.LaunchTemplates?.[0];
      return lt?.LaunchTemplateId ? { name, id: lt.LaunchTemplateId } : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Forgets a template someone deleted behind our back, so the next launch recreates it. */
  invalidate(name: string): void {
    this.known.delete(name);
  }

  /**
   * Deletes the node class's templates no launch needs any more: those not used by a launch for
   * idleMs (a new AMI or user data leaves the old template behind; a NodeClaim needs its template
   * only while it launches, so a launch in flight has just used it). Templates left by an earlier
   * process count as unused; a launch that needs one again recreates it. Returns the names deleted.
   */
  async collectIdle(nodeClassName: string, idleMs = LAUNCH_TEMPLATE_IDLE_MS): Promise<string[]> {
    const now = this.clock();
    return this.deleteWhere(nodeClassName, (name) => now - (this.lastUsed.get(name) ?? -Infinity) >= idleMs);
  }

  /** Deletes every template of the node class (when it is deleted). Returns how many. */
  async deleteForNodeClass(nodeClassName: string): Promise<number> {
    return (await this.deleteWhere(nodeClassName, () => true)).length;
  }

  private async deleteWhere(nodeClassName: string, stale: (name: string) => boolean): Promise<string[]> {
    const ids: { id: string; name: string }[] = [];
    let token: string | undefined;
    do {
      const res: DescribeLaunchTemplatesCommandOutput = await this.ec2.send(
        new DescribeLaunchTemplatesCommand({
          Filters: [
            { Name: `tag:${LaunchTemplateClusterTag}`, Values: [this.clusterName] },
            { Name: `tag:${EC2NodeClassTag}`, Values: [nodeClassName] },
          ],
          NextToken: token,
        }),
      );
      for (const lt of res.LaunchTemplates ?? []) if (lt.LaunchTemplateId && stale(lt.LaunchTemplateName ?? "")) ids.push({ id: lt.LaunchTemplateId, name: lt.LaunchTemplateName ?? "" });
      token = res.NextToken;
    } while (token);
    for (const lt of ids) {
      try {
        await this.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.id }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.known.delete(lt.name);
      this.lastUsed.delete(lt.name);
    }
    return ids.map((lt) => lt.name);
  }
}
