import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { Registry } from "prom-client";
import { createClientMetrics, instrumentAWSClient, instrumentKubeApi, kubeCallLabels, leaderMetrics, resourceOfKind } from "./metrics-clients.js";

async function samples(reg: Registry, name: string) {
  return (await reg.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];
}

describe("client metrics", () => {
  it("labels client-node calls as client-go's URL parser would", () => {
    const cases: [string, string, unknown, Record<string, string>][] = [
      ["CoreV1Api", "listNamespacedPod", { namespace: "a" }, { verb: "LIST", method: "GET", group: "", version: "v1", kind: "pods", subresource: "" }],
      ["CoreV1Api", "listPodForAllNamespaces", {}, { verb: "LIST", kind: "pods" }],
      ["CoreV1Api", "createNamespacedPodEviction", {}, { verb: "CREATE", method: "POST", okCode: "201", kind: "pods", subresource: "eviction" }],
      ["CoreV1Api", "patchNodeStatus", {}, { verb: "PATCH", kind: "nodes", subresource: "status" }],
      ["CoordinationV1Api", "replaceNamespacedLease", {}, { verb: "UPDATE", method: "PUT", group: "coordination.k8s.io", version: "v1", kind: "leases" }],
      ["PolicyV1Api", "listPodDisruptionBudgetForAllNamespaces", {}, { group: "policy", kind: "poddisruptionbudgets" }],
      ["CustomObjectsApi", "patchClusterCustomObjectStatus", { group: "karpenter.sh", version: "v1", plural: "nodeclaims" }, { verb: "PATCH", group: "karpenter.sh", version: "v1", kind: "nodeclaims", subresource: "status" }],
      ["CustomObjectsApi", "deleteClusterCustomObject", { group: "karpenter.sh", version: "v1", plural: "nodepools" }, { verb: "DELETE", method: "DELETE", kind: "nodepools" }],
      ["KubernetesObjectApi", "create", { apiVersion: "apps/v1", kind: "DaemonSet" }, { verb: "CREATE", group: "apps", version: "v1", kind: "daemonsets" }],
    ];
    for (const [api, method, arg, want] of cases) {
      const got = kubeCallLabels(api, method, arg);
      assert.ok(got, `${api}.${method}`);
      for (const [k, v] of Object.entries(want)) assert.equal((got as unknown as Record<string, string>)[k], v, `${api}.${method} ${k}`);
    }
    assert.equal(kubeCallLabels("CoreV1Api", "setDefaultAuthentication", undefined), undefined);
    assert.deepEqual(["Pod", "NodeClass", "Policy", "Gateway", "Ingress"].map(resourceOfKind), ["pods", "nodeclasses", "policies", "gateways", "ingresses"]);
  });

  it("counts and times each Kubernetes call by outcome", async () => {
    const reg = new Registry();
    const m = createClientMetrics(reg);
    const api = instrumentKubeApi(
      {
        readNamespacedPod: () => Promise.resolve({ ok: true }),
        deleteNamespacedPod: () => Promise.reject(Object.assign(new Error("gone"), { code: 404 })),
        helper: () => 3,
      },
      "CoreV1Api",
      m,
    );
    assert.deepEqual(await api.readNamespacedPod(), { ok: true });
    await assert.rejects(api.deleteNamespacedPod(), /gone/);
    assert.equal(api.helper(), 3);
    const total = await samples(reg, "client_go_request_total");
    assert.deepEqual(total.map((s) => [s.labels.code, s.labels.method, s.value]).sort(), [["200", "GET", 1], ["404", "DELETE", 1]]);
    const latency = (await samples(reg, "client_go_request_duration_seconds")).filter((s) => (s as { metricName?: string }).metricName === "client_go_request_duration_seconds_count");
    assert.deepEqual(latency.map((s) => `${s.labels.verb} ${s.labels.kind}`).sort(), ["DELETE pods", "GET pods"]);
  });

  it("counts AWS SDK requests and attempts by service, action and code", async () => {
    const reg = new Registry();
    const m = createClientMetrics(reg);
    let calls = 0;
    const body = '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo/></DescribeRegionsResponse>';
    // The network is stubbed here: the first attempt is throttled (503), the retry succeeds.
    const client = new EC2Client({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 3,
      requestHandler: {
        handle: async () => {
          calls += 1;
          const failed = calls === 1;
          const { Readable } = await import("node:stream");
          return {
            response: {
              statusCode: failed ? 503 : 200,
              headers: { "content-type": "text/xml" },
              body: Readable.from([Buffer.from(failed ? "<Response><Errors><Error><Code>Unavailable</Code><Message>x</Message></Error></Errors><RequestID>r</RequestID></Response>" : body)]),
            },
          };
        },
      },
    });
    instrumentAWSClient(client, m);
    await client.send(new DescribeRegionsCommand({}));
    const requests = await samples(reg, "aws_sdk_go_request_total");
    assert.deepEqual(requests.map((s) => [s.labels.service, s.labels.action, s.labels.code, s.value]), [["EC2", "DescribeRegions", "200", 1]]);
    const attempts = await samples(reg, "aws_sdk_go_request_attempt_total");
    assert.deepEqual(attempts.map((s) => [s.labels.code, s.value]).sort(), [["200", 1], ["503", 1]]);
    const retries = (await samples(reg, "aws_sdk_go_request_retry_count")).find((s) => (s as { metricName?: string }).metricName === "aws_sdk_go_request_retry_count_sum");
    assert.equal(retries?.value, 1);
  });

  it("reports leadership and failed renewals under the lease's name", async () => {
    const reg = new Registry();
    const m = createClientMetrics(reg);
    const l = leaderMetrics("karpenter-leader-election", m);
    assert.equal((await samples(reg, "leader_election_master_status"))[0]?.value, 0);
    l.leading(true);
    l.slowPath();
    assert.equal((await samples(reg, "leader_election_master_status"))[0]?.value, 1);
    assert.equal((await samples(reg, "leader_election_slowpath_total"))[0]?.value, 1);
  });
});
