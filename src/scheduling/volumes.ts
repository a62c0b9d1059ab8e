import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from "@kubernetes/client-node";
import { RegionLabel, ZoneLabel } from "../apis/labels.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import { labelValue } from "../core/labelkeys.js";

/** The cluster's storage objects, indexed for lookups. */
export class VolumeCatalog {
  private readonly claims = new Map<string, V1PersistentVolumeClaim>();
  private readonly volumes = new Map<string, V1PersistentVolume>();
  private readonly classes = new Map<string, V1StorageClass>();
  private defaultClass?: string;

  constructor(input?: { claims: V1PersistentVolumeClaim[]; volumes: V1PersistentVolume[]; storageClasses: V1StorageClass[] }) {
    for (const c of input?.claims ?? []) this.claims.set(`${c.metadata?.namespace ?? "default"}/${c.metadata?.name ?? ""}`, c);
    for (const v of input?.volumes ?? []) this.volumes.set(v.metadata?.name ?? "", v);
    for (const s of input?.storageClasses ?? []) {
      this.classes.set(s.metadata?.name ?? "", s);
      if (s.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true") this.defaultClass = s.metadata?.name;
    }
  }

  claim(namespace: string, name: string): V1PersistentVolumeClaim | undefined {
    return this.claims.get(`${namespace}/${name}`);
  }

  volume(name: string): V1PersistentVolume | undefined {
    return this.volumes.get(name);
  }

  storageClass(name: string): V1StorageClass | undefined {
    return this.classes.get(name);
  }

  get defaultStorageClass(): string | undefined {
    return this.defaultClass;
  }
}

/** Where a pod's volumes let it run: ORed alternatives, or why it cannot run anywhere. */
export type VolumeTopology = { alternatives: Requirements[]; error?: undefined } | { error: string; alternatives?: undefined };

/** More ORed alternatives than this are cut (they come from cross products of multi-term volumes). */
const MaxAlternatives = 16;

function cross(current: Requirements[], terms: Requirements[]): Requirements[] {
  if (terms.length === 0) return current;
  const out: Requirements[] = [];
  for (const a of current) for (const t of terms) if (out.length < MaxAlternatives) out.push(a.intersection(t));
  return out;
}

function pvTerms(pv: V1PersistentVolume): Requirements[] {
  const terms = (pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [])
    .filter((t) => (t.matchExpressions ?? []).length + (t.matchFields ?? []).length > 0)
    .map((t) => Requirements.fromNodeSelectorTerm(t));
  // Volumes labelled with their zone (in-tree and older CSI drivers) bind the pod to it: kube's
  // VolumeZone plugin. Several zones are joined with "__".
  const labels = pv.metadata?.labels ?? {};
  const zonal = new Requirements();
  for (const [key, stable] of [
    [ZoneLabel, ZoneLabel],
    ["failure-domain.beta.kubernetes.io/zone", ZoneLabel],
    [RegionLabel, RegionLabel],
    ["failure-domain.beta.kubernetes.io/region", RegionLabel],
  ] as const) {
    const v = labelValue(labels, key);
    if (v) zonal.add(Requirement.create(stable, "In", v.split("__")));
  }
  if (zonal.size === 0) return terms;
  return terms.length === 0 ? [zonal] : terms.map((t) => t.intersection(zonal));
}

function classTerms(sc: V1StorageClass): Requirements[] {
  return (sc.allowedTopologies ?? [])
    .map((term) => {
      const r = new Requirements();
      for (const e of term.matchLabelExpressions ?? []) r.add(Requirement.create(e.key, "In", e.values));
      return r;
    })
    .filter((r) => r.size > 0);
}

/**
 * The node requirements a pod's persistent volumes impose: a bound claim's volume node affinity,
 * or, for an unbound claim, its storage class's allowedTopologies (the volume will be provisioned
 * in one of them, where the pod goes: WaitForFirstConsumer). Terms of either are ORed.
 */
export function volumeTopology(pod: V1Pod, catalog: VolumeCatalog): VolumeTopology {
  const namespace = pod.metadata?.namespace ?? "default";
  let alternatives: Requirements[] = [new Requirements()];
  for (const vol of pod.spec?.volumes ?? []) {
    let claimName: string | undefined;
    let templateClass: string | undefined;
    if (vol.persistentVolumeClaim) claimName = vol.persistentVolumeClaim.claimName;
    else if (vol.ephemeral) {
      // A generic ephemeral volume's claim is named <pod>-<volume> and created with the pod.
      claimName = `${pod.metadata?.name ?? ""}-${vol.name}`;
      templateClass = vol.ephemeral.volumeClaimTemplate?.spec.storageClassName ?? catalog.defaultStorageClass ?? "";
    } else continue;
    const pvc = catalog.claim(namespace, claimName);
    if (!pvc && templateClass === undefined) return { error: `persistentvolumeclaim "${namespace}/${claimName}" not found` };
    const volumeName = pvc?.spec?.volumeName;
    if (volumeName) {
      const pv = catalog.volume(volumeName);
      if (!pv) return { error: `persistentvolume "${volumeName}" bound to claim "${namespace}/${claimName}" not found` };
      alternatives = cross(alternatives, pvTerms(pv));
      continue;
    }
    const className = pvc ? (pvc.spec?.storageClassName ?? catalog.defaultStorageClass ?? "") : templateClass!;
    if (className === "") continue;
    const sc = catalog.storageClass(className);
    if (!sc) return { error: `storageclass "${className}" of claim "${namespace}/${claimName}" not found` };
    alternatives = cross(alternatives, classTerms(sc));
  }
  return { alternatives };
}
