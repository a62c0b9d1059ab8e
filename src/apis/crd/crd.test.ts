import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { renderCRDs } from "./build.js";
import { crdOutputDirs } from "./paths.js";

describe("generated CRDs", () => {
  for (const dir of crdOutputDirs) {
    for (const [name, text] of renderCRDs()) {
      it(`${join(dir, name)} matches the schemas (run \`npm run generate\` after changing src/apis)`, () => {
        assert.equal(readFileSync(join(dir, name), "utf8"), text);
      });
    }
  }
});
