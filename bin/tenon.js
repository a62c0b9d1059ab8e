#!/usr/bin/env node
// The `tenon` command as installed by npm (`npx tenon`, `npm install -g .`). In a checkout it runs
// the TypeScript sources through tsx, so it works right after `npm ci` and never runs a stale
// build; where there are no sources (the container image, a packed install) it runs dist/.
import { existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const source = new URL("src/cli/main.ts", root);
const built = new URL("dist/cli/main.js", root);

async function tsxRegister() {
  try {
    return (await import("tsx/esm/api")).register;
  } catch {
    return undefined;
  }
}

const register = existsSync(source) ? await tsxRegister() : undefined;
if (register) {
  register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    existsSync(source)
      ? "tenon: the dependencies are not installed; run `npm ci` in the tenon checkout first\n"
      : "tenon: dist/ is missing; run `npm run build` first\n",
  );
  process.exit(3);
}
