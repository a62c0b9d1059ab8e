// A plan whose solve finishes after leadership ended is discarded: no NodeClaim, no Nominated
// event. The solve is held at a gate the test opens only after the leadership signal aborted, so
// the order is certain, and the check runs once the provisioner has finished (its run() returned
// and it counted the plan as discarded), not after a sleep.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { NodePool } from "../../../src/apis/index.js";
import { fakeInstanceType } from "../../../src/cloudprovider/fake/index.js";
import { Provisioner } from "../../../src/controllers/provisioning/index.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { createLogger } from "../../../src/operator/logging.js";
import { solve } from "../../../src/scheduling/index.js";
import type { SchedulingInput, SchedulingResult } from "../../../src/scheduling/types.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { EC2NodeClassesAPI, type Harness, NodePoolsAPI, create, ec2NodeClass, events, listNodeClaims, nodePool, startHarness, waitForCondition } from "../nodepool/fixtures.js";

const NS = "leadership";
const types = [fakeInstanceType({ name: "fake.large", cpu: 2, memoryMiB: 8192, price: 0.1 }), fakeInstanceType({ name: "fake.xlarge", cpu: 4, memoryMiB: 16384, price: 0.2 })];

function pod(name: string): V1Pod {
  return {
    metadata: { name, namespace: NS },
    spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "1", memory: "512Mi" } } }], terminationGracePeriodSeconds: 0 },
  };
}

describe("Provisioner and leadership", () => {
  const cluster = useControlPlane({ scheduler: true });
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc, { instanceTypes: types, run: ["nodeclass", "nodepool.status", "nodepool.hash"] });
    await h.kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("default"));
    await create(h.kube, NodePoolsAPI, nodePool("general"));
    await waitForCondition<NodePool>(h.kube, NodePoolsAPI, "general", "Ready", "True", 30_000);
  });
  after(() => h?.stop());

  it("writes nothing for a solve that finishes after leadership was lost", async () => {
    let started!: () => void;
    const solving = new Promise<void>((r) => (started = r));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let finished = false;
    const gatedSolve = async (input: SchedulingInput): Promise<SchedulingResult> => {
      started();
      await gate;
      const r = solve(input);
      finished = true;
      return r;
    };
    const provisioner = new Provisioner({ kube: h.kube, state: h.state, cloudProvider: h.cloudProvider, recorder: h.recorder, logger: createLogger({ level: "silent" }), clock: realClock, registry: h.registry, config: { batchIdleDurationMs: 200, batchMaxDurationMs: 2000 }, solve: gatedSolve });
    provisioner.watch(h.state);
    const leadership = new AbortController();
    const running = provisioner.run(leadership.signal);

    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("web-1") });
    await solving;
    leadership.abort();
    open();
    await running;
    await waitFor("the plan discarded", async () => (provisioner.discarded === 1 ? true : undefined), { timeoutMs: 30_000 });
    assert.ok(finished, "the solve ran to the end and produced a plan");
    assert.deepEqual(await listNodeClaims(h.kube, "general"), []);
    const nominated = (await events(h.kube, NS, "web-1")).filter((e) => e.reportingComponent === "karpenter" && e.reason === "Nominated");
    assert.deepEqual(nominated, []);
  });
});
