// `helm install` of a Karpenter values file (our own, test/chart/fixtures/karpenter-values.yaml)
// onto a local cluster with kube-controller-manager, kube-scheduler and kwok: the release is
// deployed, its CRDs and objects exist, and the Deployment's ReplicaSet and pod are made and the
// pod runs on a (kwok) node that tenon does not manage.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AppsV1Api, CoreV1Api, type V1Node } from "@kubernetes/client-node";
import { CHART_DIR } from "../env/devcluster.js";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, bin, ensureBuilt, startControlPlane, waitFor, type ControlPlane } from "../env/index.js";

const karpenterValues = join(import.meta.dirname, "fixtures", "karpenter-values.yaml");
const NS = "kube-system";

function helm(cp: ControlPlane, ...args: string[]) {
  return spawnSync(bin.helm, ["--kubeconfig", cp.kubeconfigPath, ...args], { encoding: "utf8", timeout: 300_000 });
}

describe("helm install with a Karpenter values file on a local cluster", { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    ensureBuilt(["helm"]);
    cp = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true });
  });
  after(() => cp?.stop());

  it("deploys the release and runs the controller's pod", async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const apps = cp.kubeConfig().makeApiClient(AppsV1Api);
    // A node of the cluster's own (not tenon's: no karpenter.sh/nodepool label) for the controller to run on.
    const node: V1Node = {
      metadata: {
        name: "system-1",
        labels: { "kubernetes.io/hostname": "system-1", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
        annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      },
      status: { allocatable: { cpu: "4", memory: "16Gi", pods: "110" }, capacity: { cpu: "4", memory: "16Gi", pods: "110" } },
    };
    await core.createNode({ body: node });

    const install = helm(cp, "install", "karpenter", CHART_DIR, "--namespace", NS, "--values", karpenterValues);
    assert.equal(install.status, 0, install.stderr);
    const status = helm(cp, "status", "karpenter", "--namespace", NS, "--output", "json");
    assert.equal(status.status, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { info: { status: string } }).info.status, "deployed");

    // helm installs the chart's CRDs first: the API serves Karpenter's kinds.
    const crds = spawnSync(bin.kubectl, ["--kubeconfig", cp.kubeconfigPath, "get", "crd", "-o", "name"], { encoding: "utf8" });
    for (const crd of ["nodepools.karpenter.sh", "nodeclaims.karpenter.sh", "ec2nodeclasses.karpenter.k8s.aws"]) assert.match(crds.stdout, new RegExp(crd.replace(/\./g, "\\.")), crd);

    const deployments = await apps.listNamespacedDeployment({ namespace: NS, labelSelector: "app.kubernetes.io/instance=karpenter" });
    assert.equal(deployments.items.length, 1, "the release's Deployment");
    const selector = Object.entries(deployments.items[0]!.spec!.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
    const pod = await waitFor(
      "the controller's pod running",
      async () => {
        const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: selector });
        return pods.items.find((p) => p.status?.phase === "Running");
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    assert.equal(pod.spec?.nodeName, "system-1");
    const c = pod.spec!.containers[0]!;
    assert.equal(c.image, "registry.example/tenon:0.1.0");
    assert.deepEqual({ ...c.resources }, { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } });
    assert.equal(pod.spec?.priorityClassName, "system-node-critical");
  });
});
