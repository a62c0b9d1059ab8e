// The bundled, offline instance type catalog (for the simulator and anything else that must work
// without AWS). It runs the same conversion as the live provider (instancetype/instancetypes.ts);
// only the inputs differ: EC2's data as moto ships it, and a price snapshot.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AMIFamily, BlockDeviceMapping, EC2NodeClass, KubeletConfiguration } from "../../apis/ec2nodeclass.js";
import type { InstanceType } from "../types.js";
import { amiFamilyOf } from "./amifamily.js";
import { catalogFileName, type CatalogFile } from "./catalog/format.js";
import { DEFAULT_VM_MEMORY_OVERHEAD_PERCENT } from "./instancetype/capacity.js";
import { toInstanceType } from "./instancetype/instancetypes.js";

/**
 * ESTIMATE, not data: the catalog has no spot prices, so spot offerings are priced at this share
 * of on-demand (spot typically runs 60–70% below on-demand). It keeps spot ranked cheaper than
 * on-demand, as it is in practice; absolute spot costs from the catalog are guesses.
 */
export const ESTIMATED_SPOT_FRACTION_OF_ON_DEMAND = 0.4;

export interface CatalogOptions {
  /** Defaults to the node class's family, else AL2023. */
  amiFamily?: AMIFamily;
  kubelet?: KubeletConfiguration;
  blockDeviceMappings?: BlockDeviceMapping[];
  instanceStorePolicy?: "RAID0";
  /** Takes amiFamily, kubelet, block device mappings and instance store policy from a node class. */
  nodeClass?: EC2NodeClass;
  /** Restrict offerings to these zones (a node class's subnet zones); default every zone. */
  zones?: string[];
  vmMemoryOverheadPercent?: number;
  reservedENIs?: number;
  /** Override the spot estimate (share of on-demand). */
  spotPriceFraction?: number;
}

const catalogDir = fileURLToPath(new URL("./catalog/", import.meta.url));
const cache = new Map<string, CatalogFile>();

/** Regions with a bundled catalog. */
export function catalogRegions(): string[] {
  return readdirSync(catalogDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

export function readCatalog(region: string): CatalogFile {
  const hit = cache.get(region);
  if (hit) return hit;
  const path = `${catalogDir}${catalogFileName(region)}`;
  if (!existsSync(path)) {
    throw new Error(`no bundled instance type catalog for region "${region}"; bundled regions: ${catalogRegions().join(", ")} (regenerate with scripts/generate-catalog.ts)`);
  }
  const file = JSON.parse(readFileSync(path, "utf8")) as CatalogFile;
  cache.set(region, file);
  return file;
}

/** The catalog's instance types for a region, shaped by the given node settings. */
export function loadCatalogInstanceTypes(region: string, opts: CatalogOptions = {}): InstanceType[] {
  const file = readCatalog(region);
  const spec = opts.nodeClass?.spec;
  const amiFamily = opts.amiFamily ?? (spec ? amiFamilyOf(spec) : "AL2023");
  const zoneFilter = opts.zones ? new Set(opts.zones) : undefined;
  const zones = file.zones.filter((z) => !zoneFilter || zoneFilter.has(z.name));
  const prices = new Map(file.instanceTypes.map((e) => [e.info.InstanceType ?? "", e.onDemandPrice]));
  const spotFraction = opts.spotPriceFraction ?? ESTIMATED_SPOT_FRACTION_OF_ON_DEMAND;
  const out: InstanceType[] = [];
  for (const entry of file.instanceTypes) {
    const it = toInstanceType(
      entry.info,
      entry.zones,
      {
        region,
        zones,
        amiFamily,
        kubelet: opts.kubelet ?? spec?.kubelet,
        blockDeviceMappings: opts.blockDeviceMappings ?? spec?.blockDeviceMappings,
        instanceStorePolicy: opts.instanceStorePolicy ?? spec?.instanceStorePolicy,
        vmMemoryOverheadPercent: opts.vmMemoryOverheadPercent ?? DEFAULT_VM_MEMORY_OVERHEAD_PERCENT,
        reservedENIs: opts.reservedENIs ?? 0,
      },
      {
        prices: {
          onDemand: (t) => prices.get(t),
          spot: (t) => {
            const od = prices.get(t);
            return od === undefined ? undefined : od * spotFraction;
          },
        },
        isUnavailable: () => false,
      },
    );
    if (it) out.push(it);
  }
  return out;
}
