// The instance types each NodePool can launch, from the bundled catalog for the chosen region,
// shaped by the NodePool's EC2NodeClass (AMI family, kubelet settings, disks, subnet zones).
import { AWSGroup } from "../../apis/labels.js";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import type { NodePool } from "../../apis/nodepool.js";
import { loadCatalogInstanceTypes } from "../../cloudprovider/aws/catalog.js";
import type { InstanceType } from "../../cloudprovider/types.js";
import type { NodeOverlay } from "../../apis/nodeoverlay.js";
import { applyOverlays } from "../../cloudprovider/overlay.js";

export interface PoolInstanceTypes {
  byNodePool: Map<string, InstanceType[]>;
  warnings: string[];
}

/** The zones of the node class's resolved subnets, when the input carries its status (kubectl output does). */
function subnetZones(nodeClass: EC2NodeClass): string[] | undefined {
  const zones = [...new Set((nodeClass.status?.subnets ?? []).map((s) => s.zone))];
  return zones.length > 0 ? zones.sort() : undefined;
}

/**
 * Instance types per NodePool name. A NodePool whose EC2NodeClass is not in the input is still
 * simulated, with the catalog's defaults (AL2023, default kubelet, every zone), and a warning says
 * so, since its real node class may shape nodes differently.
 */
export function instanceTypesFor(nodePools: readonly NodePool[], nodeClasses: readonly EC2NodeClass[], region: string, sources: Map<object, string>, overlays: readonly NodeOverlay[] = []): PoolInstanceTypes {
  const classes = new Map(nodeClasses.map((c) => [c.metadata.name, c]));
  const cache = new Map<string, InstanceType[]>();
  const load = (nodeClass: EC2NodeClass | undefined): InstanceType[] => {
    const key = nodeClass?.metadata.name ?? "";
    let types = cache.get(key);
    if (!types) {
      const zones = nodeClass ? subnetZones(nodeClass) : undefined;
      types = loadCatalogInstanceTypes(region, { ...(nodeClass ? { nodeClass } : {}), ...(zones ? { zones } : {}) });
      cache.set(key, types);
    }
    return types;
  };
  const out: PoolInstanceTypes = { byNodePool: new Map(), warnings: [] };
  for (const np of nodePools) {
    const ref = np.spec.template.spec.nodeClassRef;
    const where = `${sources.get(np) ?? "input"}: NodePool "${np.metadata.name ?? ""}"`;
    let nodeClass: EC2NodeClass | undefined;
    if (ref.group !== AWSGroup || ref.kind !== "EC2NodeClass") {
      out.warnings.push(`${where}: spec.template.spec.nodeClassRef names ${ref.kind}.${ref.group}, which tenon does not support; simulating with EC2NodeClass defaults`);
    } else {
      nodeClass = classes.get(ref.name);
      if (!nodeClass) out.warnings.push(`${where}: EC2NodeClass "${ref.name}" is not in the input; simulating with defaults (AL2023, default kubelet, every zone of ${region})`);
    }
    // NodeOverlays in the input price and size the types as the controller's would.
    if (overlays.length === 0) {
      out.byNodePool.set(np.metadata.name ?? "", load(nodeClass));
      continue;
    }
    const overlaid = applyOverlays(load(nodeClass), overlays, np);
    for (const c of overlaid.conflicts) {
      const w = `NodeOverlay "${c.overlay}" conflicts with "${c.winner}" (same weight) on ${c.field} of ${c.instanceType}; "${c.winner}" is applied`;
      if (!out.warnings.includes(w)) out.warnings.push(w);
    }
    out.byNodePool.set(np.metadata.name ?? "", overlaid.types);
  }
  return out;
}
