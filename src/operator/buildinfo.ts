// karpenter_build_info: a constant 1 labelled with what is running. tenon is not built by Go, so
// goversion carries the JavaScript runtime's version and goarch its architecture in Go's words.
import { readFileSync } from "node:fs";
import type { Metrics } from "./metrics.js";

/** The version in the package.json shipped beside dist/ (or the repository's, under tsx). */
export function packageVersion(): string {
  try {
    const raw = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const v = (JSON.parse(raw) as { version?: unknown }).version;
    return typeof v === "string" ? v : "";
  } catch {
    return "";
  }
}

const goArch: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };

export function buildInfoLabels(env: Readonly<Record<string, string | undefined>> = process.env) {
  return { version: packageVersion(), goversion: `node${process.versions.node}`, goarch: goArch[process.arch] ?? process.arch, commit: env.TENON_COMMIT ?? "" };
}

export function recordBuildInfo(metrics: Metrics, env: Readonly<Record<string, string | undefined>> = process.env): void {
  metrics.buildInfo.set(buildInfoLabels(env), 1);
}
