import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { ApiException, CoordinationV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
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
