// The bundled catalog's file format: per region, EC2's instance type descriptions (only the fields
// tenon reads), the zones each type is offered in, and public on-demand prices. Written by
// scripts/generate-catalog.ts, read by catalog.ts.
import type { InstanceTypeShape } from "../instancetype/shape.js";

export interface CatalogZone {
  name: string;
  id?: string;
}

export interface CatalogEntry {
  info: InstanceTypeShape;
  /** Zones (names) where EC2 offers the type. */
  zones: string[];
  /** On-demand price per hour in the catalog's currency. */
  onDemandPrice: number;
}

export interface CatalogFile {
  region: string;
  /** Currency of the prices: USD, except CNY in the China regions. */
  currency: string;
  /** Where the data came from, for whoever reads the file. */
  sources: { instanceTypes: string; offerings: string; prices: string };
  zones: CatalogZone[];
  instanceTypes: CatalogEntry[];
}

export const catalogFileName = (region: string): string => `${region}.json`;
