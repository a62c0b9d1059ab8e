// End to end on the local cluster: the controller started with no CLUSTER_ENDPOINT asks EKS
// (moto's DescribeCluster, for a cluster of the same name) for the endpoint, and the nodes it
// launches join that endpoint: their launch template's user data (AL2023's NodeConfig) carries it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeInstanceAttributeCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import { deployment, nodePool } from "./fixtures.js";
import { instanceIDOf, isRunning, logged, seconds, until, useE2E } from "./harness.js";

const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");
const decode = (b64: string | undefined) => (b64 ? Buffer.from(b64, "base64").toString("utf8") : "");
const apiServerEndpoints = (userData: string) => [...userData.matchAll(/apiServerEndpoint:\s*"?([^"\s]+)"?/g)].map((m) => m[1] ?? "");

describe("cluster discovery end to end", { timeout: 600_000 }, () => {
  const env = useE2E();

  it("a controller without CLUSTER_ENDPOINT takes it from EKS and launches nodes that join it", async () => {
    const e = env();
    const eks = new EKSClient(e.dev.moto.clientConfig());
    const created = await eks.send(
      new CreateClusterCommand({
        name: e.dev.clusterName,
        roleArn: "arn:aws:iam::123456789012:role/eks-cluster",
        resourcesVpcConfig: { subnetIds: [] },
        kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16" },
      }),
    );
    eks.destroy();
    const endpoint = created.cluster!.endpoint!;
    assert.notEqual(endpoint, e.dev.controlPlane.server, "moto's endpoint is not the one the test cluster would pass");

    e.apply(nodePool({ maxCPU: 4 }));
    const started = Date.now();
    const controller = await e.start("controller", { CLUSTER_ENDPOINT: "" });
    e.apply(deployment({ name: "web", replicas: 2, cpu: "500m", memory: "256Mi" }));
    const claim = await until(
      "a node Initialized with both pods Running",
      async () => {
        const claims = (await e.reader.nodeClaims()).filter(initialized);
        const pods = (await e.reader.pods("app=web")).filter(isRunning);
        return claims.length === 1 && pods.length === 2 ? claims[0] : undefined;
      },
      { timeoutMs: 240_000, controllers: [controller] },
    );
    console.log(`    timings: controller start (no CLUSTER_ENDPOINT) → node Initialized, pods Running ${seconds(Date.now() - started)}`);

    // Every launch template tenon made points its nodes at EKS's endpoint.
    const templates = (await e.ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
    const seen: string[] = [];
    for (const t of templates) {
      const v = await e.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.LaunchTemplateId, Versions: ["$Latest"] }));
      seen.push(...apiServerEndpoints(decode(v.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData)));
    }
    assert.ok(seen.length > 0, "the launch templates carry AL2023 user data with an apiServerEndpoint");
    assert.deepEqual([...new Set(seen)], [endpoint]);
    // And the instance behind the node got that user data.
    const attr = await e.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceIDOf(claim.status?.providerID)!, Attribute: "userData" }));
    assert.deepEqual(apiServerEndpoints(decode(attr.UserData?.Value)), [endpoint]);
    assert.equal(logged(controller, /invalid setting|CLUSTER_ENDPOINT/).filter((l) => l.level === 50 || l.level === 60).length, 0);
  });
});
