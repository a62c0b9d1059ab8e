// tsc compiles TypeScript only; the bundled AWS catalog (JSON) must sit next to its module in dist/.
import { cpSync } from "node:fs";
cpSync("src/cloudprovider/aws/catalog", "dist/cloudprovider/aws/catalog", { recursive: true, filter: (p) => !p.endsWith(".ts") });
