// `helm install` of the chart on a real kube-apiserver: the release deploys (CRDs, RBAC,
// Deployment accepted by the API server's own validation), and the Deployment the API server
// stores carries the settings the controller needs for interruption handling and discovery.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CHART_DIR } from "../env/devcluster.js";
import { bin, ensureBuilt, startControlPlane, type ControlPlane } from "../env/index.js";

interface Deployment {
  spec: { template: { spec: { containers: { name: string; env: { name: string; value?: string }[] }[] } } };
}

describe("helm install of charts/tenon on a real API server", () => {
  let cp: ControlPlane;
  let helmHome: string;
  const namespace = "tenon-system";
  before(async () => {
    ensureBuilt(["helm"]);
    cp = await startControlPlane();
    helmHome = mkdtempSync(join(tmpdir(), "tenon-helm-"));
  });
  after(async () => {
    await cp?.stop();
    if (helmHome) rmSync(helmHome, { recursive: true, force: true });
  });

  function helm(args: string[]): { status: number | null; out: string } {
    const env = { ...process.env, HELM_CACHE_HOME: helmHome, HELM_CONFIG_HOME: helmHome, HELM_DATA_HOME: helmHome };
    const res = spawnSync(bin.helm, [...args, "--kubeconfig", cp.kubeconfigPath], { encoding: "utf8", env });
    return { status: res.status, out: `${res.stdout}${res.stderr}` };
  }
  function kubectl(args: string[]): string {
    const res = spawnSync(bin.kubectl, ["--kubeconfig", cp.kubeconfigPath, ...args], { encoding: "utf8" });
    assert.equal(res.status, 0, `kubectl ${args.join(" ")}: ${res.stderr}`);
    return res.stdout;
  }
  const envOf = (release: string): Record<string, string> => {
    const list = JSON.parse(kubectl(["get", "deployments", "--namespace", namespace, "--selector", `app.kubernetes.io/instance=${release}`, "-o", "json"])) as { items: Deployment[] };
    assert.equal(list.items.length, 1, `one Deployment of release ${release}`);
    const d = list.items[0]!;
    const c = d.spec.template.spec.containers.find((x) => x.name === "controller");
    assert.ok(c, "the Deployment has the controller container");
    return Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  };

  it("installs with the interruption queue and service CIDR set; the stored Deployment carries them", () => {
    const install = helm([
      "install", "tenon", CHART_DIR, "--namespace", namespace, "--create-namespace",
      "--set", "settings.clusterName=prod",
      "--set", "settings.interruptionQueue=prod-interruptions",
      "--set", "settings.clusterServiceCIDR=172.20.0.0/16",
    ]);
    assert.equal(install.status, 0, install.out);
    assert.match(helm(["status", "tenon", "--namespace", namespace]).out, /STATUS: deployed/);
    // The chart's crds/ are installed by helm and served.
    assert.match(kubectl(["get", "crd", "nodeclaims.karpenter.sh", "-o", "jsonpath={.status.acceptedNames.kind}"]), /^NodeClaim$/);
    const env = envOf("tenon");
    assert.equal(env.INTERRUPTION_QUEUE, "prod-interruptions");
    assert.equal(env.CLUSTER_SERVICE_CIDR, "172.20.0.0/16");
    assert.equal(env.CLUSTER_NAME, "prod");
    assert.equal(env.CLUSTER_ENDPOINT, undefined, "no endpoint set: the controller discovers it from EKS");
  });

  it("upgrades to an unset service CIDR and an IPv6 one; refuses a malformed one without touching the release", () => {
    const unset = helm(["upgrade", "tenon", CHART_DIR, "--namespace", namespace, "--reuse-values", "--set", "settings.clusterServiceCIDR="]);
    assert.equal(unset.status, 0, unset.out);
    let env = envOf("tenon");
    assert.equal(env.CLUSTER_SERVICE_CIDR, undefined, "an empty value sets no variable");
    assert.equal(env.INTERRUPTION_QUEUE, "prod-interruptions", "the queue is kept");

    const v6 = helm(["upgrade", "tenon", CHART_DIR, "--namespace", namespace, "--reuse-values", "--set", "settings.clusterServiceCIDR=fd00:10:96::/108"]);
    assert.equal(v6.status, 0, v6.out);
    assert.equal(envOf("tenon").CLUSTER_SERVICE_CIDR, "fd00:10:96::/108");

    const bad = helm(["upgrade", "tenon", CHART_DIR, "--namespace", namespace, "--reuse-values", "--set", "settings.clusterServiceCIDR=10.100.0.0"]);
    assert.notEqual(bad.status, 0, "a CIDR without its prefix length is refused");
    assert.match(bad.out, /clusterServiceCIDR/);
    env = envOf("tenon");
    assert.equal(env.CLUSTER_SERVICE_CIDR, "fd00:10:96::/108", "the refused upgrade changed nothing");
  });
});
