// An in-memory CloudProvider for controller tests, provider-neutral (no AWS code): a launch takes
// the cheapest allowed, available offering of a type that fits the claim (reserved, then spot,
// then on-demand, as capacity types are preferred), failures can be injected, and every call is
// recorded.
import type { CapacityType } from "../../apis/labels.js";
import { AWSGroup, CapacityTypeLabel, EC2NodeClassLabel, ZoneLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import { parseResourceList } from "../../core/quantity.js";
import { Requirements, allowedValues } from "../../core/requirements.js";
import { fitsIn, subtractFloor, sumLists, toQuantities } from "../../core/resources.js";
import { InsufficientCapacityError, NodeClaimNotFoundError } from "../errors.js";
import type { CloudProvider, DriftReason, InstanceType, Offering, ResourceList } from "../types.js";
import { defaultFakeInstanceTypes } from "./instancetypes.js";

export interface OfferingMatch {
  instanceType?: string;
  zone?: string;
  capacityType?: CapacityType;
}

export interface FakeCalls {
  create: NodeClaim[];
  delete: NodeClaim[];
  get: string[];
  list: number;
  getInstanceTypes: NodePool[];
  isDrifted: NodeClaim[];
}

export interface FakeCloudProviderOptions {
  instanceTypes?: InstanceType[];
  /** Instance types per NodePool name; NodePools not listed get `instanceTypes`. */
  instanceTypesByNodePool?: Record<string, InstanceType[]>;
}

interface FakeInstance {
  claim: NodeClaim;
  terminated: boolean;
}

const matches = (m: OfferingMatch, type: string, zone: string, ct: CapacityType): boolean =>
  (m.instanceType === undefined || m.instanceType === type) && (m.zone === undefined || m.zone === zone) && (m.capacityType === undefined || m.capacityType === ct);

export class FakeCloudProvider implements CloudProvider {
  readonly name = "fake";
  instanceTypes: InstanceType[];
  instanceTypesByNodePool: Record<string, InstanceType[]>;
  readonly calls: FakeCalls = { create: [], delete: [], get: [], list: 0, getInstanceTypes: [], isDrifted: [] };
  /** Instances by provider ID, terminated ones included (as EC2 shows them for a while). */
  readonly instances = new Map<string, FakeInstance>();
  /** Offerings that answer "insufficient capacity" (each field undefined = any). */
  insufficientCapacity: OfferingMatch[] = [];
  /** Drift to report per NodeClaim name. */
  readonly drift = new Map<string, DriftReason>();
  /** Errors thrown by the next calls of a method, first in first out. */
  readonly nextErrors: { create: Error[]; delete: Error[]; get: Error[]; list: Error[]; getInstanceTypes: Error[] } = { create: [], delete: [], get: [], list: [], getInstanceTypes: [] };
  private seq = 0;

  constructor(opts: FakeCloudProviderOptions = {}) {
    this.instanceTypes = opts.instanceTypes ?? defaultFakeInstanceTypes();
    this.instanceTypesByNodePool = opts.instanceTypesByNodePool ?? {};
  }

  /** Makes matching offerings fail with insufficient capacity until cleared. */
  injectInsufficientCapacity(m: OfferingMatch = {}): void {
    this.insufficientCapacity.push(m);
  }

  /** Forgets calls, instances and injected failures. */
  reset(): void {
    for (const k of Object.keys(this.calls) as (keyof FakeCalls)[]) {
      if (k === "list") this.calls.list = 0;
      else this.calls[k].length = 0;
    }
    this.instances.clear();
    this.insufficientCapacity = [];
    this.drift.clear();
    for (const list of Object.values(this.nextErrors)) list.length = 0;
  }

  private takeError(method: keyof FakeCloudProvider["nextErrors"]): void {
    const err = this.nextErrors[method].shift();
    if (err) throw err;
  }

  private typesFor(nodePool: string | undefined): InstanceType[] {
    return (nodePool ? this.instanceTypesByNodePool[nodePool] : undefined) ?? this.instanceTypes;
  }

  /** Live instances. */
  running(): NodeClaim[] {
    return [...this.instances.values()].filter((i) => !i.terminated).map((i) => i.claim);
  }

  async create(claim: NodeClaim): Promise<NodeClaim> {
    this.calls.create.push(claim);
    this.takeError("create");
    const name = claim.metadata.name ?? "";
    const existing = [...this.instances.values()].find((i) => !i.terminated && i.claim.metadata.name === name);
    if (existing) return existing.claim;
    const reqs = Requirements.fromSpecs(claim.spec.requirements);
    const requests = parseResourceList(claim.spec.resources?.requests, "spec.resources.requests");
    const types = this.typesFor(claim.metadata.labels?.["karpenter.sh/nodepool"]).filter(
      (it) => Requirements.fromSpecs(it.requirements.filter((r) => r.key !== ZoneLabel && r.key !== CapacityTypeLabel)).intersects(reqs) === undefined && fitsIn(requests, allocatableOf(it)),
    );
    const zones = reqs.get(ZoneLabel);
    for (const capacityType of allowedValues(claim.spec.requirements, CapacityTypeLabel, ["reserved", "spot", "on-demand"]) as CapacityType[]) {
      const offers: { it: InstanceType; o: Offering }[] = [];
      for (const it of types) {
        for (const o of it.offerings) {
          if (o.capacityType !== capacityType || !o.available || (zones && !zones.has(o.zone))) continue;
          if (this.insufficientCapacity.some((m) => matches(m, it.name, o.zone, capacityType))) continue;
          offers.push({ it, o });
        }
      }
      offers.sort((a, b) => a.o.price - b.o.price || a.it.name.localeCompare(b.it.name));
      const pick = offers[0];
      if (!pick) continue;
      const id = `i-fake${String(++this.seq).padStart(8, "0")}`;
      const launched = launchedClaim(claim, pick.it, pick.o, `fake:///${pick.o.zone}/${id}`);
      this.instances.set(launched.status!.providerID!, { claim: launched, terminated: false });
      return launched;
    }
    throw new InsufficientCapacityError(`NodeClaim "${name}": no offering with capacity (fake)`);
  }

  async delete(claim: NodeClaim): Promise<void> {
    this.calls.delete.push(claim);
    this.takeError("delete");
    const pid = claim.status?.providerID;
    const inst = pid ? this.instances.get(pid) : undefined;
    if (!inst || inst.terminated) throw new NodeClaimNotFoundError(`instance ${pid ?? "(none)"} does not exist (fake)`);
    inst.terminated = true;
  }

  async get(providerID: string): Promise<NodeClaim> {
    this.calls.get.push(providerID);
    this.takeError("get");
    const inst = this.instances.get(providerID);
    if (!inst || inst.terminated) throw new NodeClaimNotFoundError(`instance ${providerID} does not exist (fake)`);
    return inst.claim;
  }

  async list(): Promise<NodeClaim[]> {
    this.calls.list++;
    this.takeError("list");
    return this.running();
  }

  async getInstanceTypes(nodePool: NodePool): Promise<InstanceType[]> {
    this.calls.getInstanceTypes.push(nodePool);
    this.takeError("getInstanceTypes");
    // Offerings hit by injected insufficient capacity show as unavailable, as the AWS cache shows them.
    return this.typesFor(nodePool.metadata.name).map((it) => ({
      ...it,
      offerings: it.offerings.map((o) => ({ ...o, available: o.available && !this.insufficientCapacity.some((m) => matches(m, it.name, o.zone, o.capacityType)) })),
    }));
  }

  async isDrifted(claim: NodeClaim): Promise<DriftReason | undefined> {
    this.calls.isDrifted.push(claim);
    return this.drift.get(claim.metadata.name ?? "");
  }

  getSupportedNodeClasses(): { group: string; kind: string }[] {
    return [{ group: AWSGroup, kind: "EC2NodeClass" }];
  }
}

function allocatableOf(it: InstanceType): ResourceList {
  return subtractFloor(it.capacity, sumLists(it.overhead.kubeReserved, it.overhead.systemReserved, it.overhead.evictionThreshold));
}

/** The claim as launched onto the offering: the type's single-valued labels, the offering's zone and capacity type, and status. */
function launchedClaim(claim: NodeClaim, it: InstanceType, o: Offering, providerID: string): NodeClaim {
  const labels: Record<string, string> = {};
  for (const r of it.requirements) if (r.operator === "In" && r.values?.length === 1 && r.key !== ZoneLabel && r.key !== CapacityTypeLabel) labels[r.key] = r.values[0]!;
  return {
    ...claim,
    metadata: {
      ...claim.metadata,
      labels: { ...(claim.metadata.labels ?? {}), ...labels, [ZoneLabel]: o.zone, [CapacityTypeLabel]: o.capacityType, [EC2NodeClassLabel]: claim.spec.nodeClassRef.name },
    },
    status: { ...(claim.status ?? {}), providerID, imageID: "ami-fake", capacity: toQuantities(it.capacity), allocatable: toQuantities(allocatableOf(it)) },
  };
}
