// Discovering the cluster from EKS (moto's DescribeCluster) when CLUSTER_ENDPOINT is unset, and the
// service CIDR's fallbacks on a real API server: the ServiceCIDR API, else DescribeCluster, else
// CLUSTER_SERVICE_CIDR. A controller whose ServiceAccount may not read ServiceCIDRs stands in for a
// cluster older than Kubernetes 1.33 (both answer the read with an error).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CreateClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { ConfigError, loadConfig } from "../../src/operator/config.js";
import { discoverCluster } from "../../src/operator/wiring-aws.js";
import { MOTO_CREDENTIALS, useControlPlane, useMoto } from "../env/index.js";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

describe("cluster discovery (moto's EKS, a real API server)", () => {
  const cluster = useControlPlane();
  const moto = useMoto();
  let eksEndpoint: string;
  let eksCA: string;
  let restricted: KubeConfig;

  before(async () => {
    const eks = new EKSClient(moto().clientConfig());
    const created = await eks.send(
      new CreateClusterCommand({
        name: "prod",
        roleArn: "arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig: { subnetIds: [] },
        kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16" },
      }),
    );
    eksEndpoint = created.cluster!.endpoint!;
    eksCA = created.cluster!.certificateAuthority!.data!;
    await cluster().kubeConfig().makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: "default", body: { metadata: { name: "no-rbac" } } });
    restricted = cluster().kubeConfigForToken(await cluster().serviceAccountToken("default", "no-rbac"));
  });

  const config = (env: Record<string, string> = {}) => loadConfig([], { CLUSTER_NAME: "prod", AWS_ENDPOINT_URL: moto().endpoint, ...env });
  const discover = (env: Record<string, string>, kc: KubeConfig = cluster().kubeConfig()) => discoverCluster({ config: config(env), kubeConfig: kc, logger, credentials: MOTO_CREDENTIALS }, moto().region);

  it("takes the endpoint from DescribeCluster when CLUSTER_ENDPOINT is unset", async () => {
    const c = await discover({});
    assert.equal(c.clusterEndpoint, eksEndpoint);
    // The ServiceCIDR API answers first where it exists.
    assert.equal(c.clusterCIDR, "10.96.0.0/12");
  });

  it("keeps a CLUSTER_ENDPOINT that is set", async () => {
    const c = await discover({ CLUSTER_ENDPOINT: "https://api.example.com" });
    assert.equal(c.clusterEndpoint, "https://api.example.com");
  });

  it("falls back to DescribeCluster's service CIDR and CA when the API server tells neither", async () => {
    const c = await discover({}, restricted);
    assert.equal(c.clusterCIDR, "10.100.0.0/16");
    // The restricted kubeconfig has the CA, so EKS's is not needed for it.
    assert.ok(c.caBundle);
    assert.notEqual(eksCA, "");
  });

  it("falls back to CLUSTER_SERVICE_CIDR when DescribeCluster cannot answer either", async () => {
    const c = await discover({ CLUSTER_NAME: "not-in-eks", CLUSTER_ENDPOINT: "https://api.example.com", CLUSTER_SERVICE_CIDR: "172.20.0.0/16" }, restricted);
    assert.equal(c.clusterCIDR, "172.20.0.0/16");
  });

  it("prefers what the cluster says over CLUSTER_SERVICE_CIDR", async () => {
    const c = await discover({ CLUSTER_SERVICE_CIDR: "172.20.0.0/16" }, restricted);
    assert.equal(c.clusterCIDR, "10.100.0.0/16");
  });

  it("refuses to start without an endpoint EKS does not know, naming the setting", async () => {
    await assert.rejects(discover({ CLUSTER_NAME: "not-in-eks" }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /CLUSTER_ENDPOINT \(--cluster-endpoint\) is unset and EKS could not tell it: DescribeCluster "not-in-eks" failed/);
      return true;
    });
  });

  it("rejects a CLUSTER_SERVICE_CIDR that is not a CIDR, naming it", () => {
    assert.throws(() => config({ CLUSTER_SERVICE_CIDR: "10.100.0.0" }), /invalid setting CLUSTER_SERVICE_CIDR \(--cluster-service-cidr\): expected a CIDR/);
  });
});
