import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { NODE_READY_ANNOTATION, NODE_READY_SINCE_ANNOTATION } from "./kwokstages.js";
import {
  installCRDs,
  KWOK_NODE_ANNOTATION,
  KWOK_NODE_ANNOTATION_VALUE,
  startControlPlane,
  useControlPlane,
  waitFor,
} from "./index.js";

describe("kube-apiserver alone", () => {
  const cluster = useControlPlane();

  it("creates a namespace and reads it back", async () => {
    const core = cluster().kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "smoke" } } });
    const ns = await core.readNamespace({ name: "smoke" });
    assert.equal(ns.metadata?.name, "smoke");
    assert.equal(ns.status?.phase, "Active");
  });

  it("installs CRDs and serves their kinds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenon-crds-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, "widgets.yaml"),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.tenon.dev
spec:
  group: test.tenon.dev
  scope: Cluster
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`,
    );
    const kc = cluster().kubeConfig();
    assert.deepEqual(await installCRDs(kc, dir), ["widgets.test.tenon.dev"]);
    assert.deepEqual(await installCRDs(kc, dir), ["widgets.test.tenon.dev"], "a second install is a no-op");
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createClusterCustomObject({
      group: "test.tenon.dev",
      version: "v1",
      plural: "widgets",
      body: { apiVersion: "test.tenon.dev/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 3 } },
    });
    const w = (await custom.getClusterCustomObject({ group: "test.tenon.dev", version: "v1", plural: "widgets", name: "w" })) as {
      spec: { size: number };
    };
    assert.equal(w.spec.size, 3);
  });

  it("authenticates a ServiceAccount token through RBAC", async () => {
    const cp = cluster();
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: "default", body: { metadata: { name: "robot" } } });
    const token = await cp.serviceAccountToken("default", "robot");
    const asRobot = cp.kubeConfigForToken(token).makeApiClient(CoreV1Api);
    await assert.rejects(asRobot.listNamespace(), (err: { code?: number }) => err.code === 403);
    assert.match(cp.writeKubeconfig(token, "robot"), /robot\.kubeconfig$/);
  });
});

describe("with kube-scheduler, kube-controller-manager and kwok", async () => {
  const env = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true });
  after(() => env.stop());

  it("makes a kwok node Ready and runs a pod on it", async () => {
    const core = env.kubeConfig().makeApiClient(CoreV1Api);
    const node: V1Node = {
      metadata: {
        name: "kwok-node-1",
        labels: { "karpenter.sh/nodepool": "default", "kubernetes.io/hostname": "kwok-node-1" },
        annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      },
      status: { allocatable: { cpu: "4", memory: "16Gi", pods: "110" }, capacity: { cpu: "4", memory: "16Gi", pods: "110" } },
    };
    await core.createNode({ body: node });
    await waitFor(
      "node kwok-node-1 Ready",
      async () => {
        const n = await core.readNode({ name: "kwok-node-1" });
        return n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? n : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const pod: V1Pod = {
      metadata: { name: "hello" },
      spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m" } } }] },
    };
    await core.createNamespacedPod({ namespace: "default", body: pod });
    const running = await waitFor(
      "pod default/hello Running",
      async () => {
        const p = await core.readNamespacedPod({ namespace: "default", name: "hello" });
        return p.status?.phase === "Running" ? p : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.equal(running.spec?.nodeName, "kwok-node-1", "kube-scheduler bound the pod to the kwok node");
    assert.ok(running.status?.podIP, "kwok gave the pod an IP");
  });
});

describe("kwok's test stage for an unhealthy node", async () => {
  const env = await startControlPlane({ controllerManager: true, kwok: true });
  after(() => env.stop());
  const core = () => env.kubeConfig().makeApiClient(CoreV1Api);
  const ready = async (name: string) => (await core().readNode({ name })).status?.conditions?.find((c) => c.type === "Ready");
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

  it("holds Ready at Unknown on an annotated node, and kwok resets it once the annotation is gone", async () => {
    const name = "kwok-sick";
    await core().createNode({
      body: {
        metadata: { name, labels: { "kubernetes.io/hostname": name }, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE } },
        status: { allocatable: { cpu: "4", memory: "16Gi", pods: "110" }, capacity: { cpu: "4", memory: "16Gi", pods: "110" } },
      },
    });
    await waitFor(`${name} Ready`, async () => ((await ready(name))?.status === "True" ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    const since = "2026-01-01T00:00:00Z";
    await core().patchNode({ name, body: { metadata: { annotations: { [NODE_READY_ANNOTATION]: "Unknown", [NODE_READY_SINCE_ANNOTATION]: since } } } }, mergePatch);
    const unknown = await waitFor(`${name} Ready Unknown`, async () => {
      const c = await ready(name);
      return c?.status === "Unknown" ? c : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    assert.equal(unknown.lastTransitionTime?.toISOString(), new Date(since).toISOString(), "the transition time the annotation asked for");
    const n = await core().readNode({ name });
    assert.equal(n.status?.conditions?.find((c) => c.type === "MemoryPressure")?.status, "False", "the other conditions stay");
    // Without the annotation node-initialize takes the node back.
    await core().patchNode({ name, body: { metadata: { annotations: { [NODE_READY_ANNOTATION]: null, [NODE_READY_SINCE_ANNOTATION]: null } } } }, mergePatch);
    await waitFor(`${name} Ready again`, async () => ((await ready(name))?.status === "True" ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
  });
});
