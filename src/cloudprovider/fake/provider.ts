// An in-memory CloudProvider for controller tests: launches pick the cheapest allowed offering
// like the AWS provider does, failures can be injected, and every call is recorded.
import type { CapacityType } from "../../apis/labels.js";
import { AWSGroup, EC2NodeClassLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import { InsufficientCapacityError, NodeClaimNotFoundError } from "../errors.js";
import type { CloudProvider, DriftReason, InstanceType } from "../types.js";
import { candidateTypes, capacityTypeOrder, offeringsFor } from "../aws/launch/plan.js";
import { launchedNodeClaim } from "../aws/nodeclaim.js";
import { catalogInstanceTypes } from "./instancetypes.js";

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
    this.instanceTypes = opts.instanceTypes ?? catalogInstanceTypes();
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
    const types = candidateTypes(claim, this.typesFor(claim.metadata.labels?.["karpenter.sh/nodepool"]));
    for (const capacityType of capacityTypeOrder(claim, types)) {
      const pick = offeringsFor(claim, types, capacityType).find((c) => !this.insufficientCapacity.some((m) => matches(m, c.instanceType.name, c.offering.zone, capacityType)));
      if (!pick) continue;
      const id = `i-fake${String(++this.seq).padStart(8, "0")}`;
      const launched = launchedNodeClaim(
        claim,
        { instanceID: id, zone: pick.offering.zone, capacityType, instanceType: pick.instanceType, instanceTypeName: pick.instanceType.name, imageID: "ami-fake", reservationID: pick.offering.reservationID },
        "fake",
      );
      launched.metadata.labels = { ...launched.metadata.labels, [EC2NodeClassLabel]: claim.spec.nodeClassRef.name };
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
