// `npm run generate`: writes the CRDs into crds/ and the Helm chart's crds/ folder.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderCRDs } from "./build.js";
import { crdOutputDirs } from "./paths.js";

for (const dir of crdOutputDirs) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".yaml")) rmSync(join(dir, f));
  for (const [name, text] of renderCRDs()) writeFileSync(join(dir, name), text);
  console.log(`wrote ${dir}`);
}
