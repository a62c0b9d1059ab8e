import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { ApiException, CoordinationV1Api, CoreV1Api, CustomObjectsApi, StorageV1Api } from "@kubernetes/client-node";
import { NotLeaderError, leaderFence } from "./fence.js";
import { apiStatus, isConflict, isNotFound, loadKubeConfig, makeClients } from "./kube.js";

function kubeconfig(cluster: string, server: string, withContext = true): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: ${cluster}
  cluster:
    server: ${server}
users:
- name: ${cluster}-user
  user:
    token: abc
contexts:
- name: ${cluster}
  context:
    cluster: ${cluster}
    user: ${cluster}-user
${withContext ? `current-context: ${cluster}` : ""}
`;
}

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tenon-kube-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("loadKubeConfig", () => {
  it("loads an explicit kubeconfig", () => {
    const path = join(dir, "one");
    writeFileSync(path, kubeconfig("one", "https://127.0.0.1:6443"));
    const { kubeConfig, source } = loadKubeConfig({ kubeconfig: path, env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" } });
    assert.equal(source, "kubeconfig");
    assert.equal(kubeConfig.getCurrentCluster()?.server, "https://127.0.0.1:6443");
  });

  it("merges several, the first current context winning", () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    writeFileSync(a, kubeconfig("a", "https://a.example:6443", false));
    writeFileSync(b, kubeconfig("b", "https://b.example:6443"));
    const { kubeConfig } = loadKubeConfig({ kubeconfig: [a, b].join(delimiter), env: {} });
    assert.equal(kubeConfig.getCurrentCluster()?.server, "https://b.example:6443");
    assert.deepEqual(kubeConfig.getClusters().map((c) => c.name), ["a", "b"]);
  });

  it("names a missing file", () => {
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, "nope"), env: {} }), /kubeconfig .*nope does not exist; fix KUBECONFIG \(--kubeconfig\)/);
  });

  it("rejects a kubeconfig without a current cluster", () => {
    const path = join(dir, "no-context");
    writeFileSync(path, kubeconfig("x", "https://x.example", false));
    assert.throws(() => loadKubeConfig({ kubeconfig: path, env: {} }), /has no current context with a cluster/);
  });

  it("uses the service account inside a pod", () => {
    const token = join(dir, "token");
    writeFileSync(token, "t0ken");
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "10.96.0.1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const { kubeConfig, source } = loadKubeConfig({ env: process.env, serviceAccountTokenPath: token });
      assert.equal(source, "in-cluster");
      assert.equal(kubeConfig.getCurrentCluster()?.server, "https://10.96.0.1:443");
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });

  it("does not take in-cluster config without a token", () => {
    // Falls through to the default; whatever it finds, it is not "in-cluster".
    try {
      const { source } = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "10.96.0.1" }, serviceAccountTokenPath: join(dir, "absent") });
      assert.notEqual(source, "in-cluster");
    } catch (err) {
      assert.match((err as Error).message, /no Kubernetes credentials/);
    }
  });
});

describe("makeClients", () => {
  it("builds typed clients on one config", () => {
    const path = join(dir, "clients");
    writeFileSync(path, kubeconfig("c", "https://127.0.0.1:6443"));
    const clients = makeClients(loadKubeConfig({ kubeconfig: path }).kubeConfig);
    assert.ok(clients.core instanceof CoreV1Api);
    assert.ok(clients.coordination instanceof CoordinationV1Api);
    assert.ok(clients.customObjects instanceof CustomObjectsApi);
    assert.equal(typeof clients.objects.patch, "function");
  });
});

describe("makeClients with a leader fence", () => {
  it("refuses every mutating call before sending it while the fence is down, and lets reads through", async () => {
    const path = join(dir, "fenced");
    // Nobody listens there: a call that is sent fails with a connection error, one that is fenced with NotLeaderError.
    writeFileSync(path, kubeconfig("f", "https://127.0.0.1:1"));
    let leader = false;
    const clients = makeClients(loadKubeConfig({ kubeconfig: path }).kubeConfig, { fence: leaderFence(() => leader) });
    const refused = (p: Promise<unknown>, action: RegExp) => assert.rejects(p, (err: unknown) => err instanceof NotLeaderError && action.test(err.message));
    const sent = (p: Promise<unknown>) => assert.rejects(p, (err: unknown) => !(err instanceof NotLeaderError));
    const node = { metadata: { name: "n" } };
    await refused(clients.core.createNode({ body: node }), /CoreV1Api\.createNode/);
    await refused(clients.core.patchNode({ name: "n", body: [] }), /patchNode/);
    await refused(clients.core.replaceNode({ name: "n", body: node }), /replaceNode/);
    await refused(clients.core.deleteNode({ name: "n" }), /deleteNode/);
    await refused(clients.core.deleteNamespacedPod({ name: "p", namespace: "d" }), /deleteNamespacedPod/);
    await refused(clients.core.createNamespacedPodEviction({ name: "p", namespace: "d", body: {} }), /createNamespacedPodEviction/);
    await refused(clients.customObjects.patchClusterCustomObjectStatus({ group: "karpenter.sh", version: "v1", plural: "nodeclaims", name: "c", body: {} }), /CustomObjectsApi\.patchClusterCustomObjectStatus/);
    await refused(clients.customObjects.createClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodeclaims", body: {} }), /createClusterCustomObject/);
    await refused(clients.objects.patch({ apiVersion: "v1", kind: "Node", metadata: { name: "n" } }), /KubernetesObjectApi\.patch/);
    await refused(clients.policy.patchNamespacedPodDisruptionBudgetStatus({ name: "x", namespace: "d", body: {} }), /patchNamespacedPodDisruptionBudgetStatus/);
    // Clients a controller makes from the fenced KubeConfig are fenced too.
    await refused(clients.kubeConfig.makeApiClient(StorageV1Api).deleteVolumeAttachment({ name: "va" }), /StorageV1Api\.deleteVolumeAttachment/);
    // Reads are never fenced: they are sent (and fail here only because nobody listens).
    await sent(clients.core.listNode());
    await sent(clients.customObjects.getClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodeclaims", name: "c" }));
    await sent(clients.kubeConfig.makeApiClient(StorageV1Api).listVolumeAttachment());
    assert.equal(clients.kubeConfig.getCurrentCluster()?.server, "https://127.0.0.1:1");
    // Leading again (a fresh process, or a test): writes are sent.
    leader = true;
    await sent(clients.core.createNode({ body: node }));
  });
});

describe("apiStatus", () => {
  it("reads the status of API errors only", () => {
    const notFound = new ApiException(404, "not found", {}, {});
    assert.equal(apiStatus(notFound), 404);
    assert.equal(isNotFound(notFound), true);
    assert.equal(isConflict(new ApiException(409, "conflict", {}, {})), true);
    assert.equal(apiStatus(new Error("socket hang up")), undefined);
    assert.equal(apiStatus({ code: "ECONNREFUSED" }), undefined);
    assert.equal(apiStatus(undefined), undefined);
  });
});
