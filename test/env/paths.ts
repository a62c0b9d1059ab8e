// Where the test environment's binaries are. versions.sh is the one source of truth for the
// pinned versions and build.sh for the layout: .cache/testenv/<name>-<version>/ (or
// $TENON_TESTENV_CACHE).
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const envDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(envDir, "../..");

export interface Versions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  helm: string;
  moto: string;
  prometheus: string;
}

/** Reads the KEY=value lines of versions.sh. */
export function readVersions(file = join(envDir, "versions.sh")): Versions {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)=["']?([^"'\s#]*)["']?\s*(#.*)?$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  const get = (key: string) => {
    const v = vars[key];
    if (!v) throw new Error(`${file}: ${key} is not set; add a line ${key}=<version>`);
    return v;
  };
  return {
    kubernetes: get("K8S_VERSION"),
    etcd: get("ETCD_VERSION"),
    kwok: get("KWOK_VERSION"),
    helm: get("HELM_VERSION"),
    moto: get("MOTO_VERSION"),
    prometheus: get("PROMETHEUS_VERSION"),
  };
}

export const versions = readVersions();

export const cacheDir = process.env.TENON_TESTENV_CACHE ?? join(repoRoot, ".cache", "testenv");

/** The build.sh target that produces each artefact. */
export type Target = "kubernetes" | "etcd" | "kwok" | "helm" | "moto" | "prometheus";

const k8sDir = join(cacheDir, `kubernetes-${versions.kubernetes}`);
const kwokDir = join(cacheDir, `kwok-${versions.kwok}`);
const motoDir = join(cacheDir, `moto-${versions.moto}`);

export const bin = {
  kubeApiserver: join(k8sDir, "kube-apiserver"),
  kubeScheduler: join(k8sDir, "kube-scheduler"),
  kubectl: join(k8sDir, "kubectl"),
  kubeControllerManager: join(k8sDir, "kube-controller-manager"),
  etcd: join(cacheDir, `etcd-${versions.etcd}`, "etcd"),
  kwok: join(kwokDir, "kwok"),
  // helm stamped with the test cluster's Kubernetes version (build.sh: helm_dir_version).
  helm: join(cacheDir, `helm-${versions.helm}-k8s-${versions.kubernetes}`, "helm"),
  prometheus: join(cacheDir, `prometheus-${versions.prometheus}`, "prometheus"),
  motoServer: join(motoDir, "bin", "moto_server"),
  /**
   * The virtualenv's python, which finds its venv from its own path (pyvenv.cfg beside it): moto
   * runs as `python -m moto.server`, because the venv's scripts (moto_server) carry the absolute
   * path of the venv in their shebang and break when the checkout moves.
   */
  motoPython: join(motoDir, "bin", "python"),
} as const;

/** kwok's default node and pod stages, copied from the pinned kwok module by build.sh. */
export const kwokStages = join(kwokDir, "stages.yaml");

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const present: Record<Target, () => boolean> = {
  kubernetes: () => [bin.kubeApiserver, bin.kubeScheduler, bin.kubeControllerManager, bin.kubectl].every(executable),
  etcd: () => executable(bin.etcd),
  kwok: () => executable(bin.kwok) && existsSync(kwokStages),
  helm: () => executable(bin.helm),
  moto: () => existsSync(join(motoDir, ".complete")) && executable(bin.motoPython),
  prometheus: () => executable(bin.prometheus),
};

export const allTargets: readonly Target[] = ["etcd", "kwok", "kubernetes", "moto", "helm"];

/** The targets whose artefacts are missing. */
export function missingTargets(targets: readonly Target[] = allTargets): Target[] {
  return targets.filter((t) => !present[t]());
}

/**
 * Builds whatever of the given targets is missing, synchronously, with build.sh's progress on
 * stderr. build.sh takes a lock, so parallel test files wait for one build instead of racing.
 * A test never skips for a missing binary: it builds it, or fails with the build's error.
 */
export function ensureBuilt(targets: readonly Target[] = allTargets): void {
  const missing = missingTargets(targets);
  if (missing.length === 0) return;
  const res = spawnSync("bash", [join(envDir, "build.sh"), ...missing], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, TENON_TESTENV_CACHE: cacheDir },
  });
  if (res.status !== 0) {
    throw new Error(`test/env/build.sh ${missing.join(" ")} failed (exit ${res.status ?? res.signal}); its output is above`);
  }
  const still = missingTargets(missing);
  if (still.length > 0) throw new Error(`test/env/build.sh ran but ${still.join(", ")} is still missing under ${cacheDir}`);
}
