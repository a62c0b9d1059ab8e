// `npm run dev:cluster`: a local cluster for tenon (see test/env/devcluster.ts) that stays up until
// Ctrl-C. Run the controller against it from another terminal with the printed environment.
import { startDevCluster } from "../test/env/devcluster.js";
import { bin } from "../test/env/paths.js";

// The AWS SDK warns about Node 20 on every run; tenon supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const started = Date.now();
const dev = await startDevCluster({
  clusterName: process.env.CLUSTER_NAME || undefined,
  bridge: { bootDelayMs: Number(process.env.TENON_BOOT_DELAY_MS ?? 0) },
  log: (m) => console.log(`[dev-cluster] ${m}`),
});
const env = dev.controllerEnv();
const keys = ["CLUSTER_NAME", "CLUSTER_ENDPOINT", "KUBECONFIG", "POD_NAMESPACE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"];
console.log(`
The local cluster is up (${((Date.now() - started) / 1000).toFixed(1)}s).

  API server        ${dev.controlPlane.server}
  admin kubeconfig  ${dev.adminKubeconfig}
  tenon kubeconfig  ${dev.controllerKubeconfig}   (ServiceAccount ${dev.namespace}/${dev.serviceAccount}, the chart's RBAC)
  moto endpoint     ${dev.moto.endpoint}   (region ${dev.region})
  cluster name      ${dev.clusterName}
  subnets           ${dev.aws.subnets.map((s) => `${s.id} (${s.zone})`).join(", ")}
  security group    ${dev.aws.securityGroupId}
  node role         ${dev.aws.nodeRoleName}

Use it:
  export KUBECONFIG=${dev.adminKubeconfig}
  ${bin.kubectl} get nodes,nodeclaims

Run the controller against it (as the chart's ServiceAccount):
  env ${keys.map((k) => `${k}=${env[k] ?? ""}`).join(" \\\n      ")} \\
    node --import tsx src/cli/main.ts controller

Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n[dev-cluster] ${signal}: stopping`);
  await dev.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));
// Keep running until a signal arrives.
setInterval(() => undefined, 1 << 30);
