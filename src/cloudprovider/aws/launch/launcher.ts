// One launch attempt for one capacity type: a launch template per distinct AMI / max-pods / EFA /
// reservation, one CreateFleet listing every type × zone, and the bookkeeping of what EC2 refused.
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import type { CapacityType } from "../../../apis/labels.js";
import { CapacityTypeLabel, PriceOverlayAppliedAnnotation } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { ConfigurationError } from "../../errors.js";
import type { InstanceType } from "../../types.js";
import { amiFamilyOf, familyTraits } from "../amifamily.js";
import { PlacementGroupUnusableError, awsErrorCode, errorMessage, isInsufficientCapacityCode, isUnauthorized, nodeClassMessage } from "../errors.js";
import { ResourceEFA } from "../instancetype/capacity.js";
import type { UnavailableOfferings } from "../unavailableofferings.js";
import { type FleetError, type FleetLauncher, type FleetOverride, clientToken } from "./fleet.js";
import type { LaunchTemplateProvider, LaunchTemplateSpec } from "./launchtemplates.js";
import { type Candidate, amiFor, claimRequirements, subnetFor, tenancyOf } from "./plan.js";
import { launchTemplateTags, nodeClaimTags } from "./tags.js";
import type { Launched } from "../nodeclaim.js";
import { userDataFor } from "./userdata/index.js";
import type { PlacementGroup } from "../nodeclass/placementgroups.js";
import { placementPartitionFor } from "./placement.js";
import { reservationKindOf } from "./reservationkind.js";
import { isPlacementGroupUnusable, isSpreadLimit, placementGroupFailure } from "./placementerrors.js";

export interface LauncherDeps {
  clusterName: string;
  clusterEndpoint: string;
  caBundle?: string | undefined;
  clusterCIDR?: string | undefined;
  kubeDNSIP?: string | undefined;
  fleet: FleetLauncher;
  launchTemplates: LaunchTemplateProvider;
  unavailable: UnavailableOfferings;
  /** The node class's resolved placement group, when it selects one. */
  placementGroup?: PlacementGroup | undefined;
}

export interface LaunchOutcome {
  launched?: Omit<Launched, "capacityType" | "instanceTypeName" | "instanceType"> & { instanceType: InstanceType; imageID: string };
  /** EC2's refusals, for the message when every capacity type failed. */
  errors: FleetError[];
}

/** Labels the kubelet may not set on itself (NodeRestriction): Karpenter leaves them out of user data too. */
function kubeletSettableLabels(labels: Record<string, string>): Record<string, string> {
  const restricted = ["kubernetes.io", "k8s.io"];
  return Object.fromEntries(
    Object.entries(labels).filter(([k]) => {
      const domain = k.includes("/") ? k.slice(0, k.indexOf("/")) : "";
      return !restricted.some((d) => domain === d || domain.endsWith(`.${d}`));
    }),
  );
}

const UnregisteredTaint = { key: "karpenter.sh/unregistered", effect: "NoExecute" as const };

export async function launch(deps: LauncherDeps, claim: NodeClaim, nodeClass: EC2NodeClass, capacityType: CapacityType, candidates: Candidate[]): Promise<LaunchOutcome> {
  const spec = nodeClass.spec;
  const status = nodeClass.status ?? {};
  const ncName = nodeClass.metadata.name ?? "";
  const family = amiFamilyOf(spec);
  const wantsEFA = Object.keys(claim.spec.resources?.requests ?? {}).includes(ResourceEFA);
  const taints = [...(claim.spec.taints ?? []), ...(claim.spec.startupTaints ?? [])];
  if (!taints.some((t) => t.key === UnregisteredTaint.key && t.effect === UnregisteredTaint.effect)) taints.push(UnregisteredTaint);
  const labels = kubeletSettableLabels({ ...(claim.metadata.labels ?? {}), [CapacityTypeLabel]: capacityType });
  const nodePool = claim.metadata.labels?.["karpenter.sh/nodepool"] ?? "";
  const ltTags = launchTemplateTags(deps.clusterName, ncName, spec.tags, nodePool);
  const tenancy = tenancyOf(claimRequirements(claim));
  const pg = deps.placementGroup;
  const partition = pg ? placementPartitionFor(claim, pg) : undefined;

  // One launch template per distinct content; the overrides of each go with it.
  const groups = new Map<string, { spec: LaunchTemplateSpec; overrides: FleetOverride[]; ami: string; byType: Map<string, InstanceType> }>();
  for (const c of candidates) {
    const ami = amiFor(c.instanceType, nodeClass);
    const subnet = subnetFor(c.offering.zone, nodeClass);
    if (!ami || !subnet) continue;
    const maxPods = spec.kubelet?.maxPods ?? c.instanceType.capacity.pods ?? 110;
    const efaCount = wantsEFA ? (c.instanceType.capacity[ResourceEFA] ?? 0) : 0;
    const key = JSON.stringify([ami, maxPods, efaCount, c.offering.reservationID ?? ""]);
    let g = groups.get(key);
    if (!g) {
      const clusterDNS = spec.kubelet?.clusterDNS ?? (deps.kubeDNSIP ? [deps.kubeDNSIP] : undefined);
      const userData = userDataFor(family, {
        clusterName: deps.clusterName,
        clusterEndpoint: deps.clusterEndpoint,
        caBundle: deps.caBundle,
        clusterCIDR: deps.clusterCIDR,
        kubelet: { ...(spec.kubelet ?? {}), maxPods, ...(clusterDNS ? { clusterDNS } : {}) },
        taints,
        labels,
        customUserData: spec.userData,
        instanceStorePolicy: spec.instanceStorePolicy,
      });
      g = {
        ami,
        overrides: [],
        byType: new Map(),
        spec: {
          nodeClassName: ncName,
          amiID: ami,
          userData,
          instanceProfile: status.instanceProfile ?? "",
          securityGroupIDs: (status.securityGroups ?? []).map((s) => s.id),
          metadataOptions: spec.metadataOptions,
          blockDeviceMappings: spec.blockDeviceMappings ?? familyTraits(family).defaultBlockDeviceMappings,
          detailedMonitoring: spec.detailedMonitoring ?? false,
          associatePublicIPAddress: spec.associatePublicIPAddress,
          efaCount,
          capacityReservationID: c.offering.reservationID,
          ...(c.offering.reservationID ? { capacityReservationType: reservationKindOf(c).type, capacityReservationInterruptible: reservationKindOf(c).interruptible } : {}),
          ...(tenancy === "dedicated" ? { tenancy } : {}),
          ...(pg ? { placementGroupID: pg.id, ...(partition !== undefined ? { placementPartition: partition } : {}) } : {}),
          networkInterfaces: spec.networkInterfaces,
          ipPrefixCount: spec.ipPrefixCount,
          connectionTracking: spec.connectionTracking,
          cpuOptions: spec.cpuOptions,
          tags: ltTags,
        },
      };
      groups.set(key, g);
    }
    g.overrides.push({ instanceType: c.instanceType.name, subnetID: subnet, zone: c.offering.zone, price: c.offering.price });
    g.byType.set(c.instanceType.name, c.instanceType);
  }
  if (groups.size === 0) return { errors: [{ code: "NoCompatibleAMIOrSubnet", message: `no AMI or subnet of EC2NodeClass "${ncName}" suits the candidate instance types` }] };

  const attempt = async () => {
    const configs = [];
    for (const g of groups.values()) configs.push({ launchTemplateName: (await deps.launchTemplates.ensure(g.spec)).name, overrides: g.overrides });
    // The token pins exactly this request: a retry after a crash gets the same instance back,
    // while a different request (other capacity type, other overrides) is not mistaken for it.
    // Prices move with every refresh and are not part of what is launched, so they stay out of it.
    const pinned = configs.map((c) => ({ ...c, overrides: c.overrides.map(({ price: _price, ...o }) => o) }));
    const token = clientToken(claim.metadata.uid ?? claim.metadata.name ?? "", capacityType, JSON.stringify(pinned));
    return deps.fleet.launch({
      capacityType,
      configs,
      tags: nodeClaimTags(deps.clusterName, ncName, spec.tags, nodePool, claim.metadata.name ?? ""),
      clientToken: token,
      context: spec.context,
      ...(claim.metadata.annotations?.[PriceOverlayAppliedAnnotation] === "true" ? { prioritized: true } : {}),
      ...(capacityType === "reserved" && candidates[0] ? { reservation: reservationKindOf(candidates[0]) } : {}),
    });
  };
  let result;
  try {
    try {
      result = await attempt();
    } catch (err) {
      // Someone deleted a cached template: forget them all and create them again, once.
      if (!/^InvalidLaunchTemplate(Name|Id)\.NotFound/.test(awsErrorCode(err) ?? "")) throw err;
      for (const g of groups.values()) deps.launchTemplates.invalidate((await deps.launchTemplates.ensure(g.spec)).name);
      result = await attempt();
    }
  } catch (err) {
    if (pg && isPlacementGroupUnusable(awsErrorCode(err))) throw new PlacementGroupUnusableError(ncName, pg, { code: awsErrorCode(err) ?? "", message: errorMessage(err) });
    if (isUnauthorized(err)) {
      throw new ConfigurationError(nodeClassMessage(ncName, "spec", `cannot launch: ${errorMessage(err)}`, "allow ec2:CreateFleet, ec2:RunInstances, ec2:CreateTags and iam:PassRole on the node role in the controller's IAM policy (see docs/iam-policy.md)"));
    }
    throw err;
  }

  markRefused(deps, capacityType, candidates, result.errors);
  const lost = pg ? placementGroupFailure(result.errors) : undefined;
  if (lost && pg && !result.instanceID) throw new PlacementGroupUnusableError(ncName, pg, lost);
  if (result.instanceID) {
    const g = [...groups.values()].find((x) => x.byType.has(result.instanceType ?? ""));
    const it = g?.byType.get(result.instanceType ?? "");
    const cand = candidates.find((c) => c.instanceType.name === result.instanceType && c.offering.zone === result.zone);
    if (it && g) {
      const o = cand?.offering;
      const reservation = o?.reservationID ? { reservationID: o.reservationID, reservationType: o.reservationType ?? "default", reservationInterruptible: o.reservationInterruptible ?? false } : {};
      const placed = pg ? { placementGroupID: pg.id, ...(pg.strategy === "partition" ? { placementPartition: partition === undefined ? "" : String(partition) } : {}) } : {};
      return { launched: { instanceID: result.instanceID, instanceType: it, zone: result.zone ?? "", imageID: g.ami, tenancy, ...reservation, ...placed }, errors: result.errors };
    }
  }
  const fatal = result.errors.find((e) => !isInsufficientCapacityCode(e.code));
  if (fatal && !result.instanceID) {
    if (/iamInstanceProfile/i.test(fatal.message)) {
      throw new ConfigurationError(
        nodeClassMessage(ncName, spec.instanceProfile ? "spec.instanceProfile" : "spec.role", `gives instance profile "${status.instanceProfile}", which EC2 rejects (${fatal.code}: ${fatal.message})`, "check that the instance profile exists and holds the node role, and that the controller may iam:PassRole it"),
      );
    }
    throw new Error(`CreateFleet for NodeClaim "${claim.metadata.name}" failed: ${fatal.code}: ${fatal.message}`);
  }
  return { errors: result.errors };
}

/**
 * Records what EC2 refused for lack of capacity. A reserved launch refused marks its reservation
 * full; otherwise the type and zone, inside the node class's placement group when there is one, and
 * a spread group full in a zone marks every candidate type there (for that group).
 */
function markRefused(deps: LauncherDeps, capacityType: CapacityType, candidates: Candidate[], errors: FleetError[]): void {
  const pg = deps.placementGroup;
  for (const e of errors) {
    if (!isInsufficientCapacityCode(e.code)) continue;
    const spread = pg !== undefined && isSpreadLimit(e);
    if (!e.instanceType && !(spread && e.zone)) continue;
    const refused = candidates.filter((c) => (spread || c.instanceType.name === e.instanceType) && (!e.zone || c.offering.zone === e.zone));
    if (capacityType === "reserved") {
      // The spread limit is the group's, not the reservation's: no reservation is full.
      if (!spread) for (const c of refused) deps.unavailable.markUnavailable(c.instanceType.name, c.offering.zone, capacityType, { reservationID: c.offering.reservationID });
      continue;
    }
    for (const c of refused) deps.unavailable.markUnavailable(c.instanceType.name, c.offering.zone, capacityType, pg ? { placementGroupID: pg.id } : {});
  }
}
