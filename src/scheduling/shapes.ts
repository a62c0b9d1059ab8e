import type { V1Pod, V1Toleration } from "@kubernetes/client-node";
import { HostnameLabel } from "../apis/labels.js";
import type { ResourceList } from "../cloudprovider/types.js";
import { type HostPort, podHostPorts } from "./hostports.js";
import type { RequirementsTable } from "./interning.js";
import { type Preference, describePreference, relaxationSteps, requiredAlternatives } from "./podconstraints.js";
import { podRequests } from "./podrequests.js";
import type { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import type { ResourceIndex } from "./resources.js";
import type { TopologyGroup } from "./topology/group.js";
import type { OwnedGroup, TopologySubject } from "./topology/evaluate.js";
import type { TopologyRegistry } from "./topology/registry.js";
import { type VolumeCatalog, volumeTopology } from "./volumes.js";
import { NodeNameField } from "../core/labelkeys.js";

/** One way a pod's node constraints can be met (its required terms are ORed; so are volume terms). */
export interface Alt {
  /** Requirements without hostname/metadata.name, interned (these are shared between new claims). */
  reqId: number;
  /** Requirements on hostname or metadata.name, checked against a node's own name. */
  nodeName: Requirement[];
  /** Everything, interned, for real nodes whose labels are exact. */
  fullReqId: number;
  /** True when volume topology added something to this alternative. */
  fromVolume: boolean;
  /** `reqId` without what volume topology added (to tell a volume conflict from a NodePool one). */
  withoutVolumeId: number;
}

/** A pod's constraints after some preferences were relaxed. */
export interface ShapeLevel {
  alts: Alt[];
  tolerations: V1Toleration[];
  /** PreferNoSchedule taints no longer block the pod (the last relaxation step). */
  ignorePreferNoSchedule: boolean;
  owned: OwnedGroup[];
  /** Once the pod fails somewhere it fails there for good (see where it is computed). */
  monotonic: boolean;
  /** The preferences dropped to reach this level, for messages. */
  relaxed: string[];
}

/**
 * Pods with identical scheduling constraints and requests: every per-pod decision (requirement
 * compatibility, toleration, topology groups) is computed once per shape.
 */
export class Shape {
  readonly pods: number[] = [];
  selectedBy: TopologyGroup[] = [];
  /** Requests as a vector; set once every resource name is known. */
  request: Float64Array = new Float64Array(0);
  private readonly selfSelectsMemo = new Map<number, boolean>();
  /** Sort key: the worth of its requests at the solver's resource prices. */
  size = 0;

  constructor(
    readonly id: number,
    readonly key: string,
    readonly namespace: string,
    readonly labels: Record<string, string>,
    readonly requestList: ResourceList,
    readonly hostPorts: HostPort[],
    readonly levels: ShapeLevel[],
    /** Hard constraints only (every preference removed): for diagnosis and the lower bound. */
    readonly strict: ShapeLevel,
    /** Why no node can ever take these pods (a missing volume, an unreadable request), if so. */
    readonly invalid: { constraint: "volume" | "resources"; detail: string } | undefined,
  ) {}

  selfSelects(g: TopologyGroup): boolean {
    let m = this.selfSelectsMemo.get(g.id);
    if (m === undefined) {
      m = g.selects(this.namespace, this.labels);
      this.selfSelectsMemo.set(g.id, m);
    }
    return m;
  }

  private readonly subjects: TopologySubject[] = [];

  /** The topology subject at a given level. */
  at(level: number): TopologySubject {
    let s = this.subjects[level];
    if (!s) {
      const l = this.levels[level]!;
      s = this.subjects[level] = { owned: l.owned, selectedBy: this.selectedBy, selfSelects: (g) => this.selfSelects(g) };
    }
    return s;
  }
}

export interface ShapeOptions {
  ignorePreferences: boolean;
  /** Whether any NodePool or node has a PreferNoSchedule taint (otherwise tolerating them changes nothing). */
  preferNoScheduleTaints: boolean;
}

const PreferNoScheduleToleration: V1Toleration = { operator: "Exists", effect: "PreferNoSchedule" };

function splitNodeName(reqs: Requirements): { rest: Requirements; nodeName: Requirement[] } {
  const rest = new Requirements();
  const nodeName: Requirement[] = [];
  for (const r of reqs.values()) {
    if (r.key === HostnameLabel || r.key === NodeNameField) nodeName.push(r);
    else rest.add(r);
  }
  return { rest, nodeName };
}

/** Groups pods into shapes and builds each shape's relaxation ladder. */
export class ShapeBuilder {
  readonly shapes: Shape[] = [];
  private readonly byKey = new Map<string, Shape>();

  constructor(
    private readonly table: RequirementsTable,
    private readonly resources: ResourceIndex,
    private readonly registry: TopologyRegistry,
    private readonly volumes: VolumeCatalog,
    private readonly options: ShapeOptions,
  ) {}

  /** The shape key: everything about a pod the scheduler reads. */
  private static keyOf(pod: V1Pod, requests: ResourceList): string {
    const spec = pod.spec;
    const hasEphemeral = (spec?.volumes ?? []).some((v) => v.ephemeral);
    return JSON.stringify([
      pod.metadata?.namespace ?? "default",
      pod.metadata?.labels ?? {},
      requests,
      spec?.nodeSelector ?? null,
      spec?.affinity ?? null,
      spec?.tolerations ?? null,
      spec?.topologySpreadConstraints ?? null,
      (spec?.containers ?? []).map((c) => (c.ports ?? []).filter((p) => p.hostPort)),
      (spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim || v.ephemeral),
      hasEphemeral ? (pod.metadata?.name ?? "") : null,
    ]);
  }

  /** Registers the pod at `index`, returns its shape. */
  add(pod: V1Pod, index: number): Shape {
    let requests: ResourceList;
    try {
      requests = podRequests(pod);
    } catch (e) {
      // A request kube would not have admitted: this pod cannot be placed, the others still can.
      const detail = `pod ${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}: ${(e as Error).message}`;
      const shape = new Shape(this.shapes.length, `invalid:${index}`, pod.metadata?.namespace ?? "default", {}, { pods: 1 }, [], [this.emptyLevel()], this.emptyLevel(), { constraint: "resources", detail });
      this.shapes.push(shape);
      shape.pods.push(index);
      return shape;
    }
    const key = ShapeBuilder.keyOf(pod, requests);
    let shape = this.byKey.get(key);
    if (!shape) {
      shape = this.build(pod, key, requests);
      this.byKey.set(key, shape);
      this.shapes.push(shape);
    }
    shape.pods.push(index);
    return shape;
  }

  private alt(reqs: Requirements, withoutVolume: Requirements, fromVolume: boolean): Alt {
    const { rest, nodeName } = splitNodeName(reqs);
    const reqId = this.table.intern(rest);
    return { reqId, nodeName, fullReqId: this.table.intern(reqs), fromVolume, withoutVolumeId: fromVolume ? this.table.intern(splitNodeName(withoutVolume).rest) : reqId };
  }

  private build(pod: V1Pod, key: string, requests: ResourceList): Shape {
    const ns = pod.metadata?.namespace ?? "default";
    const base = requiredAlternatives(pod);
    const vt = volumeTopology(pod, this.volumes);
    const volumeAlts = vt.alternatives ?? [new Requirements()];
    const steps = relaxationSteps(pod, base.length, this.options);
    const tolerations = pod.spec?.tolerations ?? [];
    const spreads = pod.spec?.topologySpreadConstraints ?? [];
    const a = pod.spec?.affinity;

    const requiredOwned: OwnedGroup[] = [];
    for (const c of spreads) {
      if (c.whenUnsatisfiable === "ScheduleAnyway") continue;
      requiredOwned.push({ group: this.registry.spreadGroup(pod, c, base), required: true });
    }
    for (const t of a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) requiredOwned.push({ group: this.registry.termGroup("affinity", pod, t), required: true });
    for (const t of a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
      requiredOwned.push({ group: this.registry.termGroup("antiAffinity", pod, t), required: true });
    const prefGroup = (p: Preference): TopologyGroup | undefined => {
      if (p.kind === "spread") return this.registry.spreadGroup(pod, p.constraint, base);
      if (p.kind === "podAffinity") return this.registry.termGroup("affinity", pod, p.term);
      if (p.kind === "podAntiAffinity") return this.registry.termGroup("antiAffinity", pod, p.term);
      return undefined;
    };
    const stepGroups = steps.map(prefGroup);

    const level = (terms: Requirements[], preferred: Requirements, owned: OwnedGroup[], ignorePNS: boolean, relaxed: string[]): ShapeLevel => {
      const alts: Alt[] = [];
      for (const b of terms) {
        for (const v of volumeAlts) {
          const reqs = b.intersection(v).addAll(preferred);
          alts.push(this.alt(reqs, b.intersection(preferred), v.size > 0));
        }
      }
      return {
        alts,
        tolerations: ignorePNS ? [...tolerations, PreferNoScheduleToleration] : tolerations,
        ignorePreferNoSchedule: ignorePNS,
        owned,
        // Anti-affinity and hostname spread only get harder as pods arrive (a host's count never
        // drops, a new host always starts at zero); zone spreads and affinities can open up.
        monotonic: owned.every((o) => o.group.kind === "antiAffinity" || (o.group.kind === "spread" && o.group.isHostname)),
        relaxed,
      };
    };
    // Level k: the pod after k relaxation steps. Only one required term and one preferred node
    // affinity term (the heaviest left) are in force at a time, as in Karpenter; every preferred
    // pod (anti-)affinity and ScheduleAnyway spread left is.
    const levels: ShapeLevel[] = [];
    for (let removed = 0; removed <= steps.length; removed++) {
      const left = steps.slice(removed);
      const termIndex = steps.slice(0, removed).filter((p) => p.kind === "requiredTerm").length;
      const heaviest = left.find((p) => p.kind === "nodeAffinity");
      const owned = [...requiredOwned];
      steps.forEach((p, i) => {
        const g = stepGroups[i];
        if (i >= removed && g) owned.push({ group: g, required: false });
      });
      const terms = base.length > 0 ? [base[termIndex]!] : [];
      const ignorePNS = !left.some((p) => p.kind === "preferNoSchedule") && this.options.preferNoScheduleTaints;
      levels.push(level(terms, heaviest?.kind === "nodeAffinity" ? heaviest.reqs : new Requirements(), owned, ignorePNS, steps.slice(0, removed).map(describePreference)));
    }
    // Hard constraints only: every required term ORed, no preference, PreferNoSchedule tolerated.
    const strict = level(base, new Requirements(), requiredOwned, true, steps.map(describePreference));
    this.resources.register(requests);
    return new Shape(this.shapes.length, key, ns, pod.metadata?.labels ?? {}, requests, podHostPorts(pod), levels, strict, vt.error !== undefined ? { constraint: "volume", detail: vt.error } : undefined);
  }

  private emptyLevel(): ShapeLevel {
    return { alts: [], tolerations: [], ignorePreferNoSchedule: false, owned: [], monotonic: true, relaxed: [] };
  }

  /** Builds request vectors once every resource name is known. */
  finalize(): void {
    for (const s of this.shapes) {
      s.request = this.resources.vector(s.requestList);
      s.selectedBy = this.registry.selectedBy(s.namespace, s.labels);
    }
  }
}
