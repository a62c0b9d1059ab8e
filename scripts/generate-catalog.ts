// Builds the bundled instance type catalog (src/cloudprovider/aws/catalog/<region>.json) that the
// offline simulator uses, from the data the moto package ships (DescribeInstanceTypes answers and
// per-zone offerings) and the project's on-demand price snapshot.
//
//   npx tsx scripts/generate-catalog.ts [--moto <moto package dir>] [--prices <on-demand-prices.json>]
//
// Defaults: the moto installed by test/env/build.sh under .cache/testenv, and
// ../shared/data/aws/on-demand-prices.json beside the repository. Regions: every region of the
// price file. Where moto ships no per-zone offerings for a region (GovCloud, China), every priced
// type is assumed offered in every zone of the region; the file says so in `sources.offerings`.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { catalogFileName, type CatalogEntry, type CatalogFile, type CatalogZone } from "../src/cloudprovider/aws/catalog/format.js";
import { compactShape, type InstanceTypeShape } from "../src/cloudprovider/aws/instancetype/shape.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(repoRoot, "src/cloudprovider/aws/catalog");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The moto package directory of the test environment's venv. */
function findMoto(): string {
  const cache = process.env.TENON_TESTENV_CACHE ?? join(repoRoot, ".cache", "testenv");
  for (const venv of existsSync(cache) ? readdirSync(cache).filter((d) => d.startsWith("moto-")) : []) {
    const lib = join(cache, venv, "lib");
    for (const py of existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith("python3")) : []) {
      const dir = join(lib, py, "site-packages", "moto");
      if (existsSync(join(dir, "ec2", "resources"))) return dir;
    }
  }
  throw new Error(`no moto package under ${cache}: run \`npm run testenv:build\` (bash test/env/build.sh moto) or pass --moto <dir>`);
}

const readGz = (path: string): unknown => JSON.parse(gunzipSync(readFileSync(path)).toString("utf8"));

/** Zone names and IDs as moto's EC2 reports them (its DescribeAvailabilityZones table). */
function motoZones(motoDir: string, regions: string[]): Record<string, CatalogZone[]> {
  const python = join(motoDir, "..", "..", "..", "..", "bin", "python");
  const script = [
    "import json, sys",
    "from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend as R",
    "print(json.dumps({r: [{'name': z.name, 'id': z.zone_id} for z in R.zones.get(r, [])] for r in sys.argv[1:]}))",
  ].join("\n");
  return JSON.parse(execFileSync(python, ["-c", script, ...regions], { encoding: "utf8" })) as Record<string, CatalogZone[]>;
}

interface PriceFile {
  currency: Record<string, string>;
  prices: Record<string, Record<string, number>>;
}

function main(): void {
  const motoDir = arg("moto") ?? findMoto();
  const pricesPath = arg("prices") ?? resolve(repoRoot, "..", "shared", "data", "aws", "on-demand-prices.json");
  const resources = join(motoDir, "ec2", "resources");
  const types = readGz(join(resources, "instance_types.json.gz")) as Record<string, InstanceTypeShape>;
  const priceFile = JSON.parse(readFileSync(pricesPath, "utf8")) as PriceFile;
  const regions = Object.keys(priceFile.prices).sort();
  const zonesByRegion = motoZones(motoDir, regions);
  const motoVersion = /moto-([0-9.]+)/.exec(motoDir)?.[1] ?? "unknown";

  for (const region of regions) {
    const prices = priceFile.prices[region]!;
    const zones = zonesByRegion[region] ?? [];
    const offeringsPath = join(resources, "instance_type_offerings", "availability-zone", `${region}.json.gz`);
    const hasOfferings = existsSync(offeringsPath);
    const offered = new Map<string, string[]>();
    if (hasOfferings) {
      for (const o of readGz(offeringsPath) as { InstanceType: string; Location: string }[]) {
        offered.set(o.InstanceType, [...(offered.get(o.InstanceType) ?? []), o.Location]);
      }
    }
    const entries: CatalogEntry[] = [];
    for (const name of Object.keys(prices).sort()) {
      const info = types[name];
      if (!info) continue; // priced but unknown to moto: no shape to describe it with
      const typeZones = hasOfferings ? (offered.get(name) ?? []) : zones.map((z) => z.name);
      if (typeZones.length === 0) continue;
      entries.push({ info: compactShape(info), zones: [...typeZones].sort(), onDemandPrice: prices[name]! });
    }
    const file: CatalogFile = {
      region,
      currency: priceFile.currency[region] ?? "USD",
      sources: {
        instanceTypes: `moto ${motoVersion} ec2/resources/instance_types.json`,
        offerings: hasOfferings
          ? `moto ${motoVersion} ec2/resources/instance_type_offerings/availability-zone/${region}.json`
          : `assumed: moto ${motoVersion} ships no offerings for ${region}, so every priced type is taken as offered in every zone`,
        prices: "shared/data/aws/on-demand-prices.json (public on-demand Linux prices)",
      },
      zones,
      instanceTypes: entries,
    };
    writeFileSync(join(outDir, catalogFileName(region)), serialize(file));
    console.log(`${region}: ${entries.length} instance types, ${zones.length} zones`);
  }
}

/** One instance type per line: small diffs when the data changes, and still plain JSON. */
function serialize(file: CatalogFile): string {
  const { instanceTypes, ...head } = file;
  const headJSON = JSON.stringify(head, null, 2).slice(0, -2);
  return `${headJSON},\n  "instanceTypes": [\n${instanceTypes.map((e) => `    ${JSON.stringify(e)}`).join(",\n")}\n  ]\n}\n`;
}

main();
