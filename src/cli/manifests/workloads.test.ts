import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1CronJob, V1Deployment, V1Job, V1Pod, V1PodTemplateSpec, V1StatefulSet } from "@kubernetes/client-node";
import { podsByWorkload, workloadKey } from "./ownership.js";
import { expandCronJob, expandDeployment, expandJob, expandStatefulSet } from "./workloads.js";

const template: V1PodTemplateSpec = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", resources: { requests: { cpu: "1" } } }] } };

describe("workload expansion", () => {
  it("gives a Deployment's pods the template labels, unique uids and a ReplicaSet owner, deterministically", () => {
    const d: V1Deployment = { metadata: { name: "web", namespace: "shop" }, spec: { replicas: 3, selector: {}, template } };
    const pods = expandDeployment(d, []);
    assert.equal(pods.length, 3);
    const hash = pods[0]!.metadata!.labels!["pod-template-hash"]!;
    for (const p of pods) {
      assert.equal(p.metadata!.namespace, "shop");
      assert.equal(p.metadata!.labels!.app, "x");
      assert.match(p.metadata!.name!, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      assert.deepEqual(p.metadata!.ownerReferences!.map((r) => [r.kind, r.name, r.controller]), [["ReplicaSet", `web-${hash}`, true]]);
    }
    assert.equal(new Set(pods.map((p) => p.metadata!.uid)).size, 3);
    assert.equal(new Set(pods.map((p) => p.metadata!.name)).size, 3);
    assert.deepEqual(expandDeployment(d, []), pods);
    // Pods never share spec objects, so nothing downstream can change one pod through another.
    assert.notEqual(pods[0]!.spec, pods[1]!.spec);
    assert.equal(expandDeployment({ ...d, spec: { ...d.spec!, replicas: undefined } }, []).length, 1);
    assert.equal(expandDeployment(d, pods.slice(0, 2)).length, 1);
  });

  it("names StatefulSet pods by ordinal and gives each its claims, reusing claims the input has", () => {
    const sts: V1StatefulSet = {
      metadata: { name: "db", namespace: "data" },
      spec: { replicas: 3, serviceName: "db", selector: { matchLabels: { app: "db" } }, template, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { storageClassName: "gp3" } }] },
    };
    const { pods, claims } = expandStatefulSet(sts, [], (ns, name) => ns === "data" && name === "data-db-0");
    assert.deepEqual(
      pods.map((p) => p.metadata!.name),
      ["db-0", "db-1", "db-2"],
    );
    assert.deepEqual(
      pods.map((p) => p.spec!.volumes),
      [0, 1, 2].map((i) => [{ name: "data", persistentVolumeClaim: { claimName: `data-db-${i}` } }]),
    );
    assert.equal(pods[1]!.metadata!.labels!["statefulset.kubernetes.io/pod-name"], "db-1");
    assert.deepEqual(
      claims.map((c) => [c.metadata!.name, c.metadata!.namespace, c.spec!.storageClassName]),
      [
        ["data-db-1", "data", "gp3"],
        ["data-db-2", "data", "gp3"],
      ],
    );
    const running: V1Pod = { metadata: { name: "db-1", namespace: "data" }, spec: { containers: [] } };
    assert.deepEqual(
      expandStatefulSet(sts, [running], () => true).pods.map((p) => p.metadata!.name),
      ["db-0", "db-2"],
    );
  });

  it("runs a Job's parallelism, capped by its completions, none when suspended", () => {
    const job = (spec: Partial<NonNullable<V1Job["spec"]>>): V1Job => ({ metadata: { name: "j" }, spec: { template, ...spec } });
    assert.equal(expandJob(job({}), []).length, 1);
    assert.equal(expandJob(job({ parallelism: 5 }), []).length, 5);
    assert.equal(expandJob(job({ parallelism: 5, completions: 2 }), []).length, 2);
    assert.equal(expandJob(job({ parallelism: 5, suspend: true }), []).length, 0);
    const pods = expandJob(job({ parallelism: 2, completions: 4, completionMode: "Indexed" }), []);
    assert.deepEqual(
      pods.map((p) => p.metadata!.annotations!["batch.kubernetes.io/job-completion-index"]),
      ["0", "1"],
    );
    assert.equal(pods[0]!.metadata!.labels!["job-name"], "j");
  });

  it("runs a CronJob once unless it is suspended or already running", () => {
    const cj: V1CronJob = { metadata: { name: "nightly" }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { parallelism: 2, template } } } };
    const pods = expandCronJob(cj, false);
    assert.equal(pods.length, 2);
    assert.equal(pods[0]!.metadata!.labels!["job-name"], "nightly-simulated");
    assert.equal(expandCronJob(cj, true).length, 0);
    assert.equal(expandCronJob({ ...cj, spec: { ...cj.spec!, suspend: true } }, false).length, 0);
  });
});

describe("podsByWorkload", () => {
  const pod = (name: string, owner: { kind: string; name: string }, labels: Record<string, string> = {}, phase = "Running"): V1Pod => ({
    metadata: { name, namespace: "default", labels, ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.name, uid: "u", controller: true }] },
    spec: { containers: [] },
    status: { phase },
  });

  it("counts a ReplicaSet's pods for its Deployment, by the ReplicaSet's owner or by the pod-template-hash naming", () => {
    const owned = podsByWorkload(
      [pod("a", { kind: "ReplicaSet", name: "api-5d4f8c7b9" }, { "pod-template-hash": "5d4f8c7b9" }), pod("b", { kind: "ReplicaSet", name: "web-abc" })],
      [{ metadata: { name: "web-abc", namespace: "default", ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "w", controller: true }] } }],
      [],
    );
    assert.equal(owned.get(workloadKey("Deployment", "default", "api"))?.length, 1);
    assert.equal(owned.get(workloadKey("Deployment", "default", "web"))?.length, 1);
  });

  it("ignores finished pods and counts a Job's pods for its CronJob", () => {
    const owned = podsByWorkload(
      [pod("done", { kind: "Job", name: "n-1" }, {}, "Succeeded"), pod("run", { kind: "Job", name: "n-1" })],
      [],
      [{ metadata: { name: "n-1", namespace: "default", ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "n", uid: "c", controller: true }] } }],
    );
    assert.deepEqual(
      owned.get(workloadKey("CronJob", "default", "n"))?.map((p) => p.metadata!.name),
      ["run"],
    );
  });
});
