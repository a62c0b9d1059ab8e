// The AWS CloudProvider: EC2NodeClass resolution, instance types and prices, launches through
// CreateFleet, lookups and termination — all behind the one interface controllers use.
import type { Instance } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import { AWSGroup, ConditionReady } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import { ConfigurationError, InsufficientCapacityError, NodeClaimNotFoundError, NodeClassNotReadyError } from "../errors.js";
import type { CloudProvider, DriftReason, InstanceType } from "../types.js";
import { amiFamilyOf } from "./amifamily.js";
import { TTLCache, systemClock } from "./cache.js";
import { dynamicDrift, staticDrift, unresolvedStatus, unsettledInstance } from "./drift.js";
import { errorMessage } from "./errors.js";
import { DEFAULT_VM_MEMORY_OVERHEAD_PERCENT } from "./instancetype/capacity.js";
import { toInstanceType } from "./instancetype/instancetypes.js";
import type { ReservationOffer } from "./instancetype/offerings.js";
import { InstanceTypeProvider } from "./instancetype/provider.js";
import { Instances, parseProviderID } from "./instances.js";
import { FleetLauncher } from "./launch/fleet.js";
import { launch } from "./launch/launcher.js";
import { LaunchTemplateProvider } from "./launch/launchtemplates.js";
import { candidateTypes, capacityTypeOrder, offeringsFor } from "./launch/plan.js";
import { capacityTypeOf, instanceNodeClaim, launchedNodeClaim } from "./nodeclaim.js";
import { reservationAvailability } from "./nodeclass/capacityreservations.js";
import { nodeClassHash } from "./nodeclass/hash.js";
import { deleteInstanceProfile } from "./nodeclass/instanceprofile.js";
import { NodeClassResolver, type ResolvedStatus, isNodeClassReady } from "./nodeclass/resolve.js";
import type { AWSCloudProviderOptions } from "./options.js";
import { PricingProvider } from "./pricing/pricing.js";
import { UnavailableOfferings } from "./unavailableofferings.js";import { families } from "../../operator/metrics-families.js";


const EC2NodeClassKind = "EC2NodeClass";

export class AWSCloudProvider implements CloudProvider {
  readonly name = "aws";
  readonly resolver: NodeClassResolver;
  readonly pricing: PricingProvider;
  readonly unavailableOfferings: UnavailableOfferings;
  readonly instanceTypes: InstanceTypeProvider;
  readonly launchTemplates: LaunchTemplateProvider;
  private readonly fleet: FleetLauncher;
  private readonly instances: Instances;
  private readonly reservationCounts: TTLCache<Map<string, number>>;

  constructor(private readonly o: AWSCloudProviderOptions) {
    const { ec2, iam, ssm, pricing } = o.clients;
    const clock = o.clock ?? systemClock;
    this.resolver = new NodeClassResolver({ ec2, iam, ssm, clusterName: o.clusterName, region: o.region, kubernetesVersion: o.kubernetesVersion, clock });
    this.pricing = new PricingProvider({
      ec2,
      pricing,
      region: o.region,
      isolatedVPC: o.isolatedVPC ?? false,
      clock,
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.pricingMetrics ? { metrics: o.pricingMetrics } : {}),
    });
    this.unavailableOfferings = new UnavailableOfferings(undefined, clock);
    this.instanceTypes = new InstanceTypeProvider({
      ec2,
      region: o.region,
      pricing: this.pricing,
      unavailable: this.unavailableOfferings,
      vmMemoryOverheadPercent: o.vmMemoryOverheadPercent ?? DEFAULT_VM_MEMORY_OVERHEAD_PERCENT,
      reservedENIs: o.reservedENIs ?? 0,
      clock,
    });
    this.launchTemplates = new LaunchTemplateProvider(ec2, o.clusterName);
    this.fleet = new FleetLauncher(ec2, o.fleetBatching);
    this.instances = new Instances(ec2, o.clusterName, o.instanceBatching);
    this.reservationCounts = new TTLCache(60_000, clock);
  }

  /** The region the provider launches in (other AWS clients of the controller use it too). */
  get region(): string {
    return this.o.region;
  }

  /** Starts the periodic price refresh (and does the first one). */
  start(): Promise<void> {
    return this.pricing.start();
  }

  stop(): void {
    this.pricing.stop();
  }

  /** An EC2NodeClass's status as AWS has it now (for the node class status controller). */
  resolveNodeClass(nodeClass: EC2NodeClass): Promise<ResolvedStatus> {
    return this.resolver.resolveNodeClass(nodeClass);
  }

  /** Deletes what tenon made for a node class (launch templates, instance profile) when it goes away. */
  async deleteNodeClassResources(nodeClass: EC2NodeClass): Promise<void> {
    await this.launchTemplates.deleteForNodeClass(nodeClass.metadata.name ?? "");
    await deleteInstanceProfile(nodeClass, { iam: this.o.clients.iam, clusterName: this.o.clusterName, region: this.o.region });
  }

  getSupportedNodeClasses(): { group: string; kind: string }[] {
    return [{ group: AWSGroup, kind: EC2NodeClassKind }];
  }

  private async nodeClassFor(ref: { group: string; kind: string; name: string }, owner: string): Promise<EC2NodeClass> {
    if (ref.group !== AWSGroup || ref.kind !== EC2NodeClassKind) {
      throw new ConfigurationError(`${owner}: nodeClassRef is ${ref.group}/${ref.kind} "${ref.name}", but the AWS provider only reads ${AWSGroup}/${EC2NodeClassKind}; point nodeClassRef at an EC2NodeClass`);
    }
    const nc = await this.o.getNodeClass(ref.name);
    if (!nc) throw new NodeClassNotReadyError(`${owner}: nodeClassRef names EC2NodeClass "${ref.name}", which does not exist; create it or fix the reference`);
    return nc;
  }

  private async reservationsOf(nodeClass: EC2NodeClass): Promise<ReservationOffer[]> {
    const rs = nodeClass.status?.capacityReservations ?? [];
    if (rs.length === 0) return [];
    const ids = rs.map((r) => r.id).sort();
    const counts = await this.reservationCounts.getOrLoad(ids.join(","), () => reservationAvailability(this.o.clients.ec2, ids));
    return rs.map((r) => ({ id: r.id, instanceType: r.instanceType, zone: r.availabilityZone, available: counts.get(r.id) ?? 0, reservationType: r.reservationType, interruptible: r.interruptible ?? false }));
  }

  private async typesFor(nodeClass: EC2NodeClass): Promise<InstanceType[]> {
    return this.instanceTypes.list(nodeClass, await this.reservationsOf(nodeClass));
  }

  async getInstanceTypes(nodePool: NodePool): Promise<InstanceType[]> {
    const nc = await this.nodeClassFor(nodePool.spec.template.spec.nodeClassRef, `NodePool "${nodePool.metadata.name ?? ""}"`);
    return this.typesFor(nc);
  }

  async create(claim: NodeClaim): Promise<NodeClaim> {
    const name = claim.metadata.name ?? "";
    const nodeClass = await this.nodeClassFor(claim.spec.nodeClassRef, `NodeClaim "${name}"`);
    if (!isNodeClassReady(nodeClass)) {
      const why = nodeClass.status?.conditions?.find((c) => c.type === ConditionReady)?.message || "its status has not been resolved yet";
      throw new NodeClassNotReadyError(`NodeClaim "${name}": EC2NodeClass "${nodeClass.metadata.name}" is not ready: ${why}`);
    }
    const hash = nodeClassHash(nodeClass);
    // A retry after a crash must not launch a second node: the first one carries the claim's tag.
    const existing = await this.instances.findByNodeClaim(name);
    if (existing) return this.adopt(claim, existing, nodeClass, hash);

    const types = candidateTypes(claim, await this.typesFor(nodeClass));
    if (types.length === 0) {
      throw new InsufficientCapacityError(`NodeClaim "${name}": no instance type of EC2NodeClass "${nodeClass.metadata.name}" meets its requirements and resource requests with an available offering`);
    }
    const refused: string[] = [];
    for (const capacityType of capacityTypeOrder(claim, types)) {
      const candidates = offeringsFor(claim, types, capacityType);
      if (candidates.length === 0) continue;
      const outcome = await launch(
        {
          clusterName: this.o.clusterName,
          clusterEndpoint: this.o.clusterEndpoint,
          caBundle: this.o.caBundle,
          clusterCIDR: this.o.clusterCIDR,
          kubeDNSIP: this.o.kubeDNSIP,
          fleet: this.fleet,
          launchTemplates: this.launchTemplates,
          unavailable: this.unavailableOfferings,
        },
        claim,
        nodeClass,
        capacityType,
        candidates,
      );
      const l = outcome.launched;
      if (l) {
        const zoneID = nodeClass.status?.subnets?.find((s) => s.zone === l.zone)?.zoneID;
        return launchedNodeClaim(claim, { ...l, zoneID, capacityType, instanceTypeName: l.instanceType.name }, hash);
      }
      refused.push(`${capacityType}: ${outcome.errors.map((e) => `${e.instanceType ?? ""}${e.zone ? `/${e.zone}` : ""} ${e.code}`).join(", ") || "no instance"}`);
    }
    throw new InsufficientCapacityError(`NodeClaim "${name}": EC2 had no capacity for any allowed offering (${refused.join("; ") || "no allowed offering was available"})`);
  }

  /** The claim for an instance already launched for it (an idempotent re-create). */
  private async adopt(claim: NodeClaim, instance: Instance, nodeClass: EC2NodeClass, hash: string): Promise<NodeClaim> {
    const zone = instance.Placement?.AvailabilityZone ?? "";
    const it = await this.instanceTypeOf(instance, nodeClass);
    return launchedNodeClaim(
      claim,
      {
        instanceID: instance.InstanceId ?? "",
        zone,
        zoneID: nodeClass.status?.subnets?.find((s) => s.zone === zone)?.zoneID,
        capacityType: capacityTypeOf(instance),
        imageID: instance.ImageId,
        reservationID: instance.CapacityReservationId,
        instanceType: it,
        instanceTypeName: instance.InstanceType ?? "",
      },
      hash,
    );
  }

  /** The instance's type shaped by its node class (or defaults when the node class is gone). */
  private async instanceTypeOf(instance: Instance, nodeClass: EC2NodeClass | undefined): Promise<InstanceType | undefined> {
    const info = await this.instanceTypes.info(instance.InstanceType ?? "");
    if (!info) return undefined;
    const zone = instance.Placement?.AvailabilityZone ?? "";
    const spec = nodeClass?.spec;
    return toInstanceType(
      info,
      [zone],
      {
        region: this.o.region,
        zones: [{ name: zone }],
        amiFamily: spec ? amiFamilyOf(spec) : "AL2023",
        kubelet: spec?.kubelet,
        blockDeviceMappings: spec?.blockDeviceMappings,
        instanceStorePolicy: spec?.instanceStorePolicy,
        vmMemoryOverheadPercent: this.o.vmMemoryOverheadPercent ?? DEFAULT_VM_MEMORY_OVERHEAD_PERCENT,
        reservedENIs: this.o.reservedENIs ?? 0,
      },
      { prices: this.pricing, isUnavailable: () => false },
    );
  }

  private async instanceOf(claim: NodeClaim): Promise<Instance | undefined> {
    const pid = claim.status?.providerID;
    if (pid) {
      const id = parseProviderID(pid);
      return id ? this.instances.get(id) : undefined;
    }
    return claim.metadata.name ? this.instances.findByNodeClaim(claim.metadata.name) : undefined;
  }

  async delete(claim: NodeClaim): Promise<void> {
    const name = claim.metadata.name ?? "";
    const instance = await this.instanceOf(claim);
    if (!instance?.InstanceId || instance.State?.Name === "terminated") {
      throw new NodeClaimNotFoundError(`NodeClaim "${name}": instance ${claim.status?.providerID ?? "(never launched)"} no longer exists`);
    }
    const terminated = await this.instances.terminate(instance.InstanceId).catch((err: unknown) => {
      families.terminationFailures.inc({ zone: instance.Placement?.AvailabilityZone ?? "", zone_id: instance.Placement?.AvailabilityZoneId ?? "" });
      throw err;
    });
    if (!terminated) {
      throw new NodeClaimNotFoundError(`NodeClaim "${name}": instance ${instance.InstanceId} no longer exists`);
    }
  }

  private nodeClassCache(): (name: string | undefined) => Promise<EC2NodeClass | undefined> {
    const seen = new Map<string, Promise<EC2NodeClass | undefined>>();
    return (name) => {
      if (!name) return Promise.resolve(undefined);
      let p = seen.get(name);
      if (!p) {
        p = this.o.getNodeClass(name).catch(() => undefined);
        seen.set(name, p);
      }
      return p;
    };
  }

  private async toClaim(instance: Instance, nodeClassOf: (name: string | undefined) => Promise<EC2NodeClass | undefined>): Promise<NodeClaim> {
    const ncName = instance.Tags?.find((t) => t.Key === "karpenter.k8s.aws/ec2nodeclass")?.Value;
    const nc = await nodeClassOf(ncName);
    const zone = instance.Placement?.AvailabilityZone ?? "";
    return instanceNodeClaim(instance, await this.instanceTypeOf(instance, nc), nc?.status?.subnets?.find((s) => s.zone === zone)?.zoneID);
  }

  async get(providerID: string): Promise<NodeClaim> {
    const id = parseProviderID(providerID);
    const instance = id ? await this.instances.get(id) : undefined;
    if (!instance || instance.State?.Name === "terminated") throw new NodeClaimNotFoundError(`instance ${providerID} does not exist`);
    return this.toClaim(instance, this.nodeClassCache());
  }

  async list(): Promise<NodeClaim[]> {
    const nodeClassOf = this.nodeClassCache();
    return Promise.all((await this.instances.list()).map((i) => this.toClaim(i, nodeClassOf)));
  }

  /**
   * Why the claim's instance no longer matches its node class, from a DescribeInstances made for
   * this judgement and the node class's status. Throws (the caller keeps its last answer) when
   * either view cannot be trusted: the node class's status is not one whole resolution of its
   * current spec (not Ready, or Ready for an older generation), or the instance does not show its
   * network and image yet (EC2 may show partial data while it starts).
   */
  async isDrifted(claim: NodeClaim): Promise<DriftReason | undefined> {
    const name = claim.metadata.name ?? "";
    const nc = await this.o.getNodeClass(claim.spec.nodeClassRef.name);
    if (!nc) return undefined;
    const s = staticDrift(claim, nc);
    if (s) return s;
    const unresolved = unresolvedStatus(nc);
    if (unresolved) throw new Error(`NodeClaim "${name}": cannot judge drift yet: ${unresolved}`);
    let instance: Instance | undefined;
    try {
      instance = await this.instanceOf(claim);
    } catch (err) {
      throw new Error(`NodeClaim "${name}": checking drift: ${errorMessage(err)}`);
    }
    if (!instance) return undefined;
    const partial = unsettledInstance(instance);
    if (partial) throw new Error(`NodeClaim "${name}": cannot judge drift yet: instance ${instance.InstanceId} ${partial}`);
    return dynamicDrift(claim, instance, nc, await this.instanceTypeOf(instance, nc));
  }
}
