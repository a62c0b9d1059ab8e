// End to end on the local cluster (test/env/devcluster.ts): pending pods become NodeClaims,
// instances in moto, Nodes (the kubelet bridge) and running pods (kwok); NodePool limits hold;
// an impossible pod is told why; deleting a NodeClaim drains it within its pods' PDB and
// terminates its instance. One cluster and one controller, running as the chart's ServiceAccount.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { NodePoolSchema, type NodePool } from "../../src/apis/nodepool.js";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import { buildAWSCloudProvider } from "../../src/operator/wiring-aws.js";
import { resolveConfig } from "../../src/operator/config.js";
import { buildSchedulingInput } from "../../src/controllers/provisioning/input.js";
import { solve } from "../../src/scheduling/index.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment } from "./fixtures.js";
import { ProvisioningPass, afterPasses, instanceIDOf, instances, isRunning, logged, mib, note, seconds, tenonEvents, until, useE2E, type E2E } from "./harness.js";

const cond = (c: NodeClaim, type: string) => (c.status?.conditions ?? []).some((x) => x.type === type && x.status === "True");
const typeOf = (c: NodeClaim) => c.metadata.labels?.["node.kubernetes.io/instance-type"] ?? "";
const poolOf = (c: NodeClaim) => c.metadata.labels?.["karpenter.sh/nodepool"] ?? "";

async function namespace(e: E2E, name: string): Promise<void> {
  await e.reader.core.createNamespace({ body: { metadata: { name } } });
}

/** What the solver plans for these pods on an empty cluster, with instance types from the same moto. */
async function solverPlan(e: E2E, pods: V1Pod[], pool: NodePool): Promise<string[]> {
  const config = resolveConfig({}, e.dev.controllerEnv());
  const provider = await buildAWSCloudProvider({
    config,
    env: e.dev.controllerEnv(),
    kubeConfig: e.dev.kubeConfig(),
    getNodeClass: async (name) => {
      const raw = await e.reader.custom.getClusterCustomObject({ group: "karpenter.k8s.aws", version: "v1", plural: "ec2nodeclasses", name });
      return (await import("../../src/apis/ec2nodeclass.js")).EC2NodeClassSchema.parse(raw);
    },
    logger: { warn: () => undefined, info: () => undefined },
    credentials: e.dev.moto.clientConfig().credentials,
  });
  // Prices as the controller has them once leading (its first refresh).
  await provider.start();
  const types = await provider.getInstanceTypes(pool);
  provider.stop();
  // The pods as they were while pending: unbound, marked unschedulable by kube-scheduler.
  const pending = pods.map((p) => {
    const copy = JSON.parse(JSON.stringify(p)) as V1Pod;
    delete copy.spec!.nodeName;
    copy.status = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] };
    return copy;
  });
  const built = buildSchedulingInput(
    { pods: pending, nodes: [], nodeClaims: [], daemonSets: [] },
    { nodePools: [pool], instanceTypes: new Map([[pool.metadata.name ?? "", types]]), nominations: new Map() },
  );
  const result = solve(built.input);
  assert.equal(result.unschedulable.length, 0, `the solver places every pod: ${JSON.stringify(result.unschedulable.map((u) => u.pod.metadata?.name))}`);
  return result.nodeClaims.map((c) => c.instanceTypes[0]?.name ?? "").sort();
}

async function readNodePool(e: E2E, name: string): Promise<NodePool> {
  return NodePoolSchema.parse(await e.reader.custom.getClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodepools", name }));
}

describe("provisioning end to end", { timeout: 600_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;

  it("turns 30 pending pods of mixed sizes into NodeClaims, nodes and running pods, as the solver planned", async () => {
    const e = env();
    // Up to 8 vCPUs a node: several nodes, so kube-scheduler's binding may differ from the plan.
    e.nodePool({ maxCPU: 8 });
    controller = await e.start("controller");
    await until("NodePool default Ready", async () => ((await readNodePool(e, "default")).status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") || undefined, {
      timeoutMs: 60_000,
      controllers: [controller],
    });
    await namespace(e, "mixed");
    const started = Date.now();
    e.apply(
      deployment({ name: "small", namespace: "mixed", replicas: 12, cpu: "250m", memory: "512Mi" }),
      deployment({ name: "medium", namespace: "mixed", replicas: 12, cpu: "1", memory: "2Gi" }),
      deployment({ name: "large", namespace: "mixed", replicas: 6, cpu: "3", memory: "6Gi" }),
    );
    const pods = await until(
      "30 pods running (kube-scheduler may bind pods elsewhere than planned: the leftovers need another round)",
      async () => {
        const list = await e.reader.pods("app in (small, medium, large)", "mixed");
        const running = list.filter(isRunning);
        note(`pods running ${running.length}/30`);
        return running.length === 30 && list.length === 30 ? running : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, controllers: [controller] },
    );
    const elapsed = Date.now() - started;
    const rss = controller.rssBytes();
    console.log(`    30 pods pending → running in ${seconds(elapsed)}; controller RSS ${mib(rss)}`);

    // A round that began while kube-scheduler bound the last pods may still be bringing its claim
    // up: the checks below are about claims that have settled, so wait for each to initialize.
    const claims = await until(
      "every NodeClaim of the pool Initialized",
      async () => {
        const list = (await e.reader.nodeClaims()).filter((c) => poolOf(c) === "default");
        return list.length > 0 && list.every((c) => cond(c, "Initialized")) ? list : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, controllers: [controller] },
    );
    const nodes = await e.reader.tenonNodes();
    const firstClaim = Math.min(...claims.map((c) => Date.parse(String(c.metadata.creationTimestamp))));
    console.log(`    first NodeClaim ${seconds(firstClaim - started)} after the pods were applied (batching and solving included)`);
    for (const c of claims) {
      for (const type of ["Launched", "Registered", "Initialized"]) assert.ok(cond(c, type), `NodeClaim ${c.metadata.name} is ${type}`);
      const node = nodes.find((n) => n.spec?.providerID === c.status?.providerID);
      assert.ok(node, `NodeClaim ${c.metadata.name} has its Node`);
      assert.equal(c.status?.nodeName, node.metadata?.name);
      assert.ok(!(node.spec?.taints ?? []).some((t) => t.key === "karpenter.sh/unregistered"), `Node ${node.metadata?.name} lost its unregistered taint`);
      // The launched type is one the claim allowed.
      const allowed = c.spec.requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values ?? [];
      assert.ok(allowed.includes(typeOf(c)), `NodeClaim ${c.metadata.name} launched ${typeOf(c)}, one of its ${allowed.length} allowed types`);
    }
    const tenonNodeNames = new Set(nodes.map((n) => n.metadata?.name));
    for (const p of pods) assert.ok(tenonNodeNames.has(p.spec?.nodeName), `pod ${p.metadata?.name} runs on a tenon node, not ${p.spec?.nodeName}`);

    // The same pods, NodePool and instance types through the solver: the launched types are its plan.
    const planned = await solverPlan(e, pods, await readNodePool(e, "default"));
    const launched = claims.map(typeOf).sort();
    const batches = logged(controller, "found provisionable pod(s)").length;
    console.log(`    launched ${launched.length} nodes (${launched.join(", ")}) in ${batches} batch(es); the solver plans ${planned.length} (${planned.join(", ")})`);
    if (batches === 1) assert.deepEqual(launched, planned, "one batch: the controller launched exactly the solver's plan");
    else assert.ok(launched.length >= planned.length, "several batches cannot beat one plan over all the pods");

    // Every instance tenon launched belongs to a claim, and every claim has exactly one.
    const live = (await instances(e.ec2)).filter((i) => i.State?.Name === "running" && i.Tags?.some((t) => t.Key === "karpenter.sh/nodeclaim"));
    assert.deepEqual(live.map((i) => i.InstanceId).sort(), claims.map((c) => instanceIDOf(c.status?.providerID)).sort());
  });

  it("stops provisioning at a NodePool's limits", async () => {
    const e = env();
    e.nodePool({
      name: "limited",
      limits: { cpu: "8" },
      labels: { pool: "limited" },
      taints: [{ key: "limited", value: "true", effect: "NoSchedule" }],
    });
    await namespace(e, "limits");
    const d = deployment({ name: "capped", namespace: "limits", replicas: 16, cpu: "1", nodeSelector: { pool: "limited" } });
    d.spec!.template.spec!.tolerations = [{ key: "limited", operator: "Equal", value: "true", effect: "NoSchedule" }];
    e.apply(d);
    const capacity = (cs: NodeClaim[]) => cs.reduce((n, c) => n + Number(c.status?.capacity?.cpu ?? 0), 0);
    const claims = await until(
      "the limited pool's claims launched and its pods partly running",
      async () => {
        const cs = (await e.reader.nodeClaims()).filter((c) => poolOf(c) === "limited");
        const pods = await e.reader.pods("app=capped", "limits");
        const running = pods.filter(isRunning).length;
        return cs.length > 0 && cs.every((c) => cond(c, "Initialized")) && running > 0 && running + pods.filter((p) => p.status?.phase === "Pending").length === 16 ? cs : undefined;
      },
      { timeoutMs: 120_000, controllers: [controller] },
    );
    // Give the provisioner two more solves (it looks again every 10 s while pods wait) to overstep, if it would.
    await afterPasses(controller, "provisioning", ProvisioningPass, 2);
    const after = (await e.reader.nodeClaims()).filter((c) => poolOf(c) === "limited");
    assert.equal(after.length, claims.length, "no NodeClaim was added once the limit was reached");
    assert.ok(capacity(after) <= 8, `the limited pool's nodes have ${capacity(after)} CPUs, over its limit of 8`);
    const pods = await e.reader.pods("app=capped", "limits");
    const pending = pods.filter((p) => p.status?.phase === "Pending");
    assert.ok(pending.length > 0, "pods beyond the limit stay pending");
    const events = (await tenonEvents(e, "limits")).filter((ev) => ev.reason === "FailedScheduling");
    console.log(`    limited pool: ${after.length} nodes, ${capacity(after)} CPUs, ${pending.length} pods pending; e.g. "${events[0]?.message ?? "(no event)"}"`);
    assert.ok(events.some((ev) => /limit/i.test(ev.message ?? "")), "a pending pod's FailedScheduling event names the limit");
  });

  it("tells an impossible pod why, with an Event", async () => {
    const e = env();
    await namespace(e, "impossible");
    await e.reader.core.createNamespacedPod({
      namespace: "impossible",
      body: {
        metadata: { name: "huge" },
        spec: { containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "1000", memory: "1Gi" } } }] },
      },
    });
    const before = (await e.reader.nodeClaims()).length;
    const event = await until(
      "a FailedScheduling event from tenon on pod huge",
      async () => (await tenonEvents(e, "impossible")).find((ev) => ev.involvedObject.name === "huge" && ev.reason === "FailedScheduling"),
      { timeoutMs: 60_000, controllers: [controller] },
    );
    console.log(`    impossible pod: ${event.type} ${event.reason}: ${event.message}`);
    assert.equal(event.type, "Warning");
    assert.match(event.message ?? "", /cpu|resource|instance type/i);
    assert.equal((await e.reader.nodeClaims()).length, before, "no NodeClaim for a pod nothing can hold");
  });

  it("drains a deleted NodeClaim within its pods' PDB and terminates its instance", async () => {
    const e = env();
    e.nodePool({ name: "drain", labels: { pool: "drain" }, taints: [{ key: "drain", value: "true", effect: "NoSchedule" }] });
    await namespace(e, "drain");
    const d = deployment({ name: "guarded", namespace: "drain", replicas: 2, cpu: "500m", nodeSelector: { pool: "drain" } });
    d.spec!.template.spec!.tolerations = [{ key: "drain", operator: "Equal", value: "true", effect: "NoSchedule" }];
    const pdb = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "guarded", namespace: "drain" }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: "guarded" } } } };
    e.apply(d, pdb);
    const running = await until(
      "2 guarded pods running",
      async () => {
        const ps = (await e.reader.pods("app=guarded", "drain")).filter(isRunning);
        return ps.length === 2 ? ps : undefined;
      },
      { timeoutMs: 120_000, controllers: [controller] },
    );
    // The claim of the first pod's node, once its registration is written (pods may start first).
    const node = (await e.reader.tenonNodes()).find((n) => n.metadata?.name === running[0]!.spec?.nodeName);
    assert.ok(node?.spec?.providerID, "the pod runs on a node tenon launched");
    const victim = await until(
      "the pod's NodeClaim to be initialized",
      async () => (await e.reader.nodeClaims()).find((c) => c.status?.providerID === node.spec?.providerID && c.status?.nodeName && cond(c, "Initialized")),
      { timeoutMs: 30_000, controllers: [controller] },
    );
    const instanceID = instanceIDOf(victim.status?.providerID)!;
    const onVictim = () => running.filter((p) => p.spec?.nodeName === victim.status?.nodeName).map((p) => p.metadata?.name);
    note(`deleting NodeClaim ${victim.metadata.name} (node ${victim.status?.nodeName}, ${instanceID}, pods ${onVictim().join(", ")})`);
    e.dev.kubectl(["delete", "nodeclaim", victim.metadata.name!, "--wait=false"]);

    // The PDB allows no eviction: the pods stay, and so do the node and the instance.
    await until("the victim's node to be deleting", async () => ((await e.reader.tenonNodes()).find((n) => n.metadata?.name === victim.status?.nodeName)?.metadata?.deletionTimestamp ? true : undefined), {
      timeoutMs: 30_000,
      controllers: [controller],
    });
    // The drain tried each pod and the PDB refused it.
    await until(
      "a FailedDraining event for each pod on the node",
      async () => {
        const refused = (await e.reader.core.listEventForAllNamespaces()).items.filter((ev) => ev.reason === "FailedDraining" && ev.involvedObject.name === victim.status?.nodeName);
        return onVictim().every((name) => refused.some((ev) => ev.message?.includes(`/${name} violates`))) ? true : undefined;
      },
      { timeoutMs: 60_000, controllers: [controller] },
    );
    const held = (await e.reader.pods("app=guarded", "drain")).filter(isRunning);
    assert.deepEqual(held.map((p) => p.metadata?.name).sort(), running.map((p) => p.metadata?.name).sort(), "no pod was evicted against its PDB");
    assert.ok((await e.reader.tenonNodes()).some((n) => n.metadata?.name === victim.status?.nodeName), "the node waits for its pods");
    assert.equal((await instances(e.ec2)).find((i) => i.InstanceId === instanceID)?.State?.Name, "running", "the instance waits for the drain");

    // One disruption allowed: the drain proceeds, never with both replicas down.
    e.apply({ ...pdb, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "guarded" } } } });
    let fewest = 2;
    await until(
      "the NodeClaim, its node and its instance to be gone, and both pods running elsewhere",
      async () => {
        const pods = await e.reader.pods("app=guarded", "drain");
        const up = pods.filter(isRunning);
        fewest = Math.min(fewest, up.length);
        const claimGone = !(await e.reader.nodeClaims()).some((c) => c.metadata.name === victim.metadata.name);
        const nodeGone = !(await e.reader.tenonNodes()).some((n) => n.metadata?.name === victim.status?.nodeName);
        const state = (await instances(e.ec2)).find((i) => i.InstanceId === instanceID)?.State?.Name;
        note(`claim gone ${claimGone}, node gone ${nodeGone}, instance ${state}, running ${up.length}`);
        return claimGone && nodeGone && state === "terminated" && up.length === 2 && up.every((p) => p.spec?.nodeName !== victim.status?.nodeName) ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 300, controllers: [controller] },
    );
    assert.ok(fewest >= 1, `at least one guarded pod kept running throughout the drain (fewest seen: ${fewest})`);
  });
});
