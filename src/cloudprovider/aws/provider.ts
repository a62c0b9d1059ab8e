// The AWS CloudProvider: EC2NodeClass resolution, instance types and prices, launches through
// CreateFleet, lookups and termination — all behind the one interface controllers use.
import type { Instance } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import { AWSGroup, CapacityReservationIDLabel, ConditionReady, NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import { ConfigurationError, InsufficientCapacityError, NodeClaimNotFoundError, NodeClassNotReadyError } from "../errors.js";
import type { CloudProvider, DriftReason, InstanceType } from "../types.js";
import { amiFamilyOf } from "./amifamily.js";
import { type Clock, TTLCache, systemClock } from "./cache.js";
import { dynamicDrift, staticDrift, unresolvedStatus, unsettledInstance } from "./drift.js";
import { PlacementGroupUnusableError, errorMessage } from "./errors.js";
import { DEFAULT_VM_MEMORY_OVERHEAD_PERCENT } from "./instancetype/capacity.js";
import { toInstanceType } from "./instancetype/instancetypes.js";
import type { ReservationOffer } from "./instancetype/offerings.js";
import { InstanceTypeProvider } from "./instancetype/provider.js";
import { Instances, parseProviderID } from "./instances.js";
import { FleetLauncher } from "./launch/fleet.js";
import { launch } from "./launch/launcher.js";
import { LaunchTemplateProvider } from "./launch/launchtemplates.js";
import { candidateTypes, capacityTypeOrder, offeringsFor } from "./launch/plan.js";
import { capacityTypeOf, instanceNodeClaim, launchedNodeClaim, placementOf, reservationOf } from "./nodeclaim.js";
import { describeReservations, reservationAvailability, reservationEnded, reservationFromEC2, reservationState } from "./nodeclass/capacityreservations.js";
import { nodeClassHash } from "./nodeclass/hash.js";
import { deleteInstanceProfile } from "./nodeclass/instanceprofile.js";
import { type PlacementGroup, PlacementGroupProvider, partitionsOf } from "./nodeclass/placementgroups.js";
import { NodeClassResolver, type ResolvedStatus, isNodeClassReady } from "./nodeclass/resolve.js";
import type { AWSCloudProviderOptions } from "./options.js";
import { PricingProvider } from "./pricing/pricing.js";
import { UnavailableOfferings } from "./unavailableofferings.js";
import { registrationTags, tagInstance } from "./tagging.js";
import { families } from "../../operator/metrics-families.js";

const EC2NodeClassKind = "EC2NodeClass";

export class AWSCloudProvider implements CloudProvider {
  readonly name = "aws";
  readonly resolver: NodeClassResolver;
  readonly pricing: PricingProvider;
  readonly unavailableOfferings: UnavailableOfferings;
  readonly instanceTypes: InstanceTypeProvider;
  readonly launchTemplates: LaunchTemplateProvider;
  readonly placementGroups: PlacementGroupProvider;
  private readonly fleet: FleetLauncher;
  private readonly instances: Instances;
  private readonly reservationCounts: TTLCache<Map<string, number>>;
  private readonly clock: Clock;
  private overlay?: (nodePoolName: string, types: InstanceType[]) => Promise<InstanceType[]>;
  private readonly staleListeners: ((name: string) => void)[] = [];

  constructor(private readonly o: AWSCloudProviderOptions) {
    const { ec2, iam, ssm, pricing } = o.clients;
    const clock = o.clock ?? systemClock;
    this.clock = clock;
    this.placementGroups = new PlacementGroupProvider(ec2, clock);
    this.resolver = new NodeClassResolver({ ec2, iam, ssm, clusterName: o.clusterName, region: o.region, kubernetesVersion: o.kubernetesVersion, clock, placementGroups: this.placementGroups });
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
    this.launchTemplates = new LaunchTemplateProvider(ec2, o.clusterName, clock);
    this.fleet = new FleetLauncher(ec2, o.fleetBatching);
    this.instances = new Instances(ec2, o.clusterName, o.instanceBatching);
    this.reservationCounts = new TTLCache(60_000, clock);
  }

  /**
   * NodeOverlay gate: a launch prices and sizes its claim's types through the claim's NodePool's
   * overlays, as the solver did, so the CreateFleet follows the solver's choice (Karpenter's Create
   * applies the overlay store the same way). A claim without a NodePool gets none.
   */
  useOverlays(overlay: (nodePoolName: string, types: InstanceType[]) => Promise<InstanceType[]>): void {
    this.overlay = overlay;
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
  async resolveNodeClass(nodeClass: EC2NodeClass): Promise<ResolvedStatus> {
    const status = await this.resolver.resolveNodeClass(nodeClass);
    // The node class's periodic re-resolution is also when its stale launch templates go. Best
    // effort: a failed cleanup is retried next time and must not hold up the status.
    await this.launchTemplates.collectIdle(nodeClass.metadata.name ?? "").catch((err: unknown) => {
      this.o.logger?.warn({ EC2NodeClass: { name: nodeClass.metadata.name }, err: errorMessage(err) }, "garbage-collecting launch templates failed");
    });
    return status;
  }

  /** Deletes what tenon made for a node class (launch templates, instance profile) when it goes away. */
  async deleteNodeClassResources(nodeClass: EC2NodeClass): Promise<void> {
    await this.launchTemplates.deleteForNodeClass(nodeClass.metadata.name ?? "");
    await deleteInstanceProfile(nodeClass, { iam: this.o.clients.iam, clusterName: this.o.clusterName, region: this.o.region });
  }

  /** The node class status controller listens: a node class named here is resolved again now. */
  onNodeClassStale(listener: (name: string) => void): void {
    this.staleListeners.push(listener);
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
    // The status was written at the last resolution; time has moved on since, so a reservation's
    // end is judged now: one that ended is gone, a capacity block near its end is expiring.
    const now = this.clock();
    const rs = (nodeClass.status?.capacityReservations ?? []).filter((r) => !reservationEnded(r, now));
    if (rs.length === 0) return [];
    const ids = rs.map((r) => r.id).sort();
    // EC2's counts at most a minute old, less what was launched into them (or refused) since.
    await this.reservationCounts.getOrLoad(ids.join(","), async () => {
      const at = this.clock();
      const counts = await reservationAvailability(this.o.clients.ec2, ids);
      this.unavailableOfferings.reservations.sync(counts, at);
      return counts;
    });
    const counts = new Map(ids.map((id) => [id, this.unavailableOfferings.reservations.count(id) ?? 0]));
    return rs.map((r) => ({
      id: r.id,
      instanceType: r.instanceType,
      zone: r.availabilityZone,
      available: counts.get(r.id) ?? 0,
      reservationType: r.reservationType,
      interruptible: r.interruptible ?? false,
      state: r.state === "expiring" ? "expiring" : reservationState(r, now),
    }));
  }

  /**
   * Of these reservation IDs, the capacity blocks EC2 is about to reclaim (for the expiration
   * controller). Asked fresh each time: an end date is what decides, and it is a minute's question.
   */
  async expiringReservations(ids: string[]): Promise<Set<string>> {
    const now = this.clock();
    const found = await describeReservations(this.o.clients.ec2, ids.map((id) => ({ id })));
    return new Set(
      found
        .map((r) => reservationFromEC2(r, now))
        .filter((r) => r?.state === "expiring")
        .map((r) => r!.id),
    );
  }

  /**
   * The node class's placement group, or undefined (none selected, or it does not resolve — the
   * node class is then not Ready and launches nothing). As Karpenter, an EC2 error reads as none
   * here; the status controller reports it on PlacementGroupReady.
   */
  private async placementGroupOf(nodeClass: EC2NodeClass): Promise<PlacementGroup | undefined> {
    return (await this.placementGroups.get(nodeClass).catch(() => undefined)) ?? undefined;
  }

  private async typesFor(nodeClass: EC2NodeClass): Promise<InstanceType[]> {
    const pg = await this.placementGroupOf(nodeClass);
    return this.instanceTypes.list(nodeClass, await this.reservationsOf(nodeClass), pg ? { id: pg.id, partitions: partitionsOf(pg) } : undefined);
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

    const all = await this.typesFor(nodeClass);
    const pool = claim.metadata.labels?.[NodePoolLabel];
    const types = candidateTypes(claim, pool !== undefined && this.overlay ? await this.overlay(pool, all) : all);
    if (types.length === 0) {
      throw new InsufficientCapacityError(`NodeClaim "${name}": no instance type of EC2NodeClass "${nodeClass.metadata.name}" meets its requirements and resource requests with an available offering`);
    }
    const placementGroup = await this.placementGroupOf(nodeClass);
    const refused: string[] = [];
    for (const capacityType of capacityTypeOrder(claim, types)) {
      const candidates = offeringsFor(claim, types, capacityType);
      if (candidates.length === 0) continue;
      const outcome = await this.launchOnce(
        {
          clusterName: this.o.clusterName,
          clusterEndpoint: this.o.clusterEndpoint,
          caBundle: this.o.caBundle,
          clusterCIDR: this.o.clusterCIDR,
          kubeDNSIP: this.o.kubeDNSIP,
          fleet: this.fleet,
          launchTemplates: this.launchTemplates,
          unavailable: this.unavailableOfferings,
          placementGroup,
        },
        claim,
        nodeClass,
        capacityType,
        candidates,
      );
      const l = outcome.launched;
      if (l) {
        if (l.reservationID) this.unavailableOfferings.reservations.markLaunched(l.reservationID);
        if (l.placementPartition === "") Object.assign(l, await this.partitionNow(l.instanceID));
        const zoneID = nodeClass.status?.subnets?.find((s) => s.zone === l.zone)?.zoneID;
        return launchedNodeClaim(claim, { ...l, zoneID, capacityType, instanceTypeName: l.instanceType.name }, hash);
      }
      refused.push(`${capacityType}: ${outcome.errors.map((e) => `${e.instanceType ?? ""}${e.zone ? `/${e.zone}` : ""} ${e.code}`).join(", ") || "no instance"}`);
    }
    throw new InsufficientCapacityError(`NodeClaim "${name}": EC2 had no capacity for any allowed offering (${refused.join("; ") || "no allowed offering was available"})`);
  }

  /**
   * One launch; when EC2 refused the node class's placement group itself, the cached group is
   * forgotten and the node class resolved again (PlacementGroupReady then says what EC2 says now),
   * and the claim waits as for any not-ready node class. Other node classes carry on.
   */
  private async launchOnce(...args: Parameters<typeof launch>): Promise<Awaited<ReturnType<typeof launch>>> {
    try {
      return await launch(...args);
    } catch (err) {
      if (err instanceof PlacementGroupUnusableError) {
        this.placementGroups.invalidate();
        this.o.logger?.warn({ EC2NodeClass: { name: err.nodeClass }, "placement-group-id": err.placementGroup.id, code: err.refusal.code }, "EC2 refused the placement group; resolving the node class again");
        for (const l of this.staleListeners) l(err.nodeClass);
      }
      throw err;
    }
  }

  /**
   * The partition EC2 chose for an instance launched into a partition group without one asked for:
   * often known at once; when not (or the lookup fails), the label stays empty and the placement
   * group registration hook holds the node's registration until DescribeInstances tells it.
   */
  private async partitionNow(instanceID: string): Promise<{ placementPartition?: string }> {
    const instance = await this.instances.get(instanceID).catch(() => undefined);
    const p = instance ? placementOf(instance).placementPartition : undefined;
    return p ? { placementPartition: p } : {};
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
        ...reservationOf(instance),
        ...placementOf(instance),
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

  /**
   * Tags the claim's instance once its node is known (Name = node name, as Karpenter's tagging
   * controller does). True when the instance carries the tags; false when there is nothing to tag
   * yet (no node name) or the instance is gone.
   */
  async tagRegistered(claim: NodeClaim): Promise<boolean> {
    if (!claim.status?.nodeName) return false;
    const instance = await this.instanceOf(claim);
    if (!instance?.InstanceId || instance.State?.Name === "terminated" || instance.State?.Name === "shutting-down") return false;
    await tagInstance(this.o.clients.ec2, instance, registrationTags(claim, instance, this.o.clusterName));
    return true;
  }

  async delete(claim: NodeClaim): Promise<void> {
    try {
      await this.terminate(claim);
    } catch (err) {
      // Once the instance is surely gone, its room in the reservation is free again (until EC2's
      // next count says otherwise), as Karpenter counts it.
      const reservation = claim.metadata.labels?.[CapacityReservationIDLabel];
      if (reservation && err instanceof NodeClaimNotFoundError) this.unavailableOfferings.reservations.markTerminated(reservation);
      throw err;
    }
  }

  private async terminate(claim: NodeClaim): Promise<void> {
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
    let pg: PlacementGroup | null | undefined;
    try {
      pg = await this.placementGroups.get(nc);
    } catch (err) {
      throw new Error(`NodeClaim "${name}": checking placement group drift: ${errorMessage(err)}`);
    }
    return dynamicDrift(claim, instance, nc, await this.instanceTypeOf(instance, nc), pg?.id);
  }
}
