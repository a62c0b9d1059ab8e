// The EC2NodeClass controller with the real AWS resolver against moto and a real API server, a
// fault injected per call: a DescribeSubnets answered 503 does not clear the status nor block
// launches (Ready stays True with the subnets resolved before), a Warning event names the field and
// the call, and the refresh is retried within seconds rather than in five minutes; once AWS
// answers, the failure is cleared.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DescribeSubnetsCommand, type DescribeSubnetsCommandInput } from "@aws-sdk/client-ec2";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { EC2NodeClassSchema, type EC2NodeClass } from "../../../src/apis/index.js";
import { NodeClassController } from "../../../src/cloudprovider/aws/controllers/nodeclass/index.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { EventRecorder, coreV1EventSink } from "../../../src/operator/events.js";
import { makeClients } from "../../../src/operator/kube.js";
import { createLogger } from "../../../src/operator/logging.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { ClusterState } from "../../../src/state/cluster.js";
import { installCRDs, useControlPlane, useMoto, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { DISCOVERY, seed, testProvider, type TestProvider } from "../../aws/fixtures.js";
import { type EC2Stub, inputsOf, passthroughMock } from "../../aws/mocks.js";
import { EC2NodeClassesAPI, events, get } from "../nodepool/fixtures.js";

const unavailable = () => Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
const condition = (nc: EC2NodeClass | undefined, type: string) => nc?.status?.conditions?.find((c) => c.type === type);

describe("EC2NodeClass controller, AWS failing (moto + injected)", () => {
  const cluster = useControlPlane();
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  let stop: () => Promise<void>;
  let kube: ReturnType<typeof makeClients>;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    await seed(moto());
    const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL as "debug" | undefined) ?? "silent" });
    const state = new ClusterState(kc, logger);
    kube = makeClients(kc);
    t = testProvider(moto(), {
      getNodeClass: async (name) => {
        const nc = state.nodeClasses.get(name);
        return nc ? EC2NodeClassSchema.parse(nc) : undefined;
      },
    });
    ec2 = passthroughMock(t.clients.ec2);
    const recorder = new EventRecorder({ sink: coreV1EventSink(kube.core, { reportingInstance: "tenon-test" }), logger, dedupeTimeoutMs: 1 });
    const controller = new NodeClassController({ kube, state, cloudProvider: t.provider, recorder, logger, clock: realClock, metrics: createMetrics(new Registry()), resolver: t.provider });
    controller.watch(state);
    await state.start();
    const abort = new AbortController();
    const running = controller.run(abort.signal);
    stop = async () => {
      abort.abort();
      await running;
      await recorder.flush();
      await state.stop();
    };
  });
  after(() => stop?.());

  const read = (name: string) => get<EC2NodeClass>(kube, EC2NodeClassesAPI, name);

  it("keeps the last resolved subnets through a failing DescribeSubnets, says so, retries soon, and recovers", async () => {
    await kube.customObjects.createClusterCustomObject({
      ...EC2NodeClassesAPI,
      body: {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: "flaky" },
        spec: { role: "KarpenterNodeRole-tenon-test", amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ tags: DISCOVERY }], securityGroupSelectorTerms: [{ tags: DISCOVERY }] },
      },
    });
    const good = await waitFor("flaky Ready", async () => {
      const nc = await read("flaky");
      return condition(nc, "Ready")?.status === "True" ? nc : undefined;
    }, { timeoutMs: 30_000 });
    assert.equal(good.status?.subnets?.length, 3);

    ec2.on(DescribeSubnetsCommand).rejects(unavailable());
    const describes = () => inputsOf<DescribeSubnetsCommandInput>(ec2, DescribeSubnetsCommand).length;
    // A spec change makes the controller resolve again now (else it would in five minutes).
    await kube.customObjects.patchClusterCustomObject({ ...EC2NodeClassesAPI, name: "flaky", body: { spec: { tags: { refreshed: "1" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    const failed = await waitFor("SubnetsReady saying the refresh failed", async () => {
      const nc = await read("flaky");
      return /ec2:DescribeSubnets failed/.test(condition(nc, "SubnetsReady")?.message ?? "") ? nc : undefined;
    }, { timeoutMs: 30_000 });
    assert.deepEqual(failed.status?.subnets, good.status?.subnets, "the subnets resolved before are kept");
    assert.equal(condition(failed, "SubnetsReady")?.status, "True");
    assert.equal(condition(failed, "Ready")?.status, "True", "launches are not blocked");
    assert.equal(condition(failed, "SubnetsReady")?.lastTransitionTime, condition(good, "SubnetsReady")?.lastTransitionTime);
    const event = await waitFor("a FailedRefreshingStatus event", async () => (await events(kube, "default", "flaky")).find((e) => e.reason === "FailedRefreshingStatus"), { timeoutMs: 15_000 });
    assert.equal(event.type, "Warning");
    assert.match(event.message ?? "", /^EC2NodeClass "flaky": spec.subnetSelectorTerms could not be resolved: ec2:DescribeSubnets failed: Service Unavailable.*SubnetsReady keeps the last resolved status; retrying in \d+s/);

    // Retried within seconds, backing off (the regular interval is five minutes).
    const first = describes();
    await waitFor("two retries", async () => (describes() >= first + 2 ? true : undefined), { timeoutMs: 60_000 });

    // AWS answers again: the next retry clears the failure.
    ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => ec2.send.wrappedMethod.call(t.clients.ec2, new DescribeSubnetsCommand(input) as never));
    const healed = await waitFor("SubnetsReady message cleared", async () => {
      const nc = await read("flaky");
      return condition(nc, "SubnetsReady")?.message === "" ? nc : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(condition(healed, "Ready")?.status, "True");
    assert.deepEqual(healed.status?.subnets, good.status?.subnets);
  });
});
