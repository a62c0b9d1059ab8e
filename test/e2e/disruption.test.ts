// Disruption end to end on the local cluster (moto, kwok, the kubelet bridge, the real controller):
// a scaled-down Deployment is consolidated within its PodDisruptionBudget with every pod Running;
// a budget of 0 and a do-not-disrupt pod hold nodes; an expireAfter of seconds replaces a node;
// an EC2NodeClass change drifts nodes and they are replaced within the Drifted budget; a sleep
// window empties a pool and it comes back; limits lowered to 0 remove a pool's nodes.
//
// The controller process runs the disruption controller once it is wired into
// src/operator/wiring.ts; until then this file runs one in-process against the same cluster and
// moto (with a shorter validation TTL), next to the controller process, so the scenarios hold
// either way.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { V1Deployment } from "@kubernetes/client-node";
import { pino } from "pino";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import { EC2NodeClassSchema } from "../../src/apis/ec2nodeclass.js";
import { newDisruptionController } from "../../src/controllers/disruption/index.js";
import { realClock } from "../../src/controllers/runtime/clock.js";
import { resolveConfig } from "../../src/operator/config.js";
import { EventRecorder, coreV1EventSink } from "../../src/operator/events.js";
import { makeClients } from "../../src/operator/kube.js";
import { Registry, createMetrics } from "../../src/operator/metrics.js";
import { buildAWSCloudProvider } from "../../src/operator/wiring-aws.js";
import { ClusterState } from "../../src/state/cluster.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment } from "./fixtures.js";
import { DisruptionPass, type E2E, afterPasses, isRunning, logged, note, seconds, until, useE2E } from "./harness.js";

const poolOf = (c: NodeClaim) => c.metadata.labels?.["karpenter.sh/nodepool"] ?? "";
const live = (c: NodeClaim) => c.metadata.deletionTimestamp === undefined;

interface PoolOptions {
  budgets?: Record<string, unknown>[];
  consolidateAfter?: string;
  limits?: Record<string, string>;
  annotations?: Record<string, string>;
  expireAfter?: string;
  maxCPU?: number;
  nodeClass?: string;
}

/** A NodePool whose nodes only its own (tolerating, selecting) pods use, so scenarios do not mix. */
function pool(name: string, o: PoolOptions = {}): Record<string, unknown> {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      template: {
        metadata: { labels: { pool: name } },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: o.nodeClass ?? "default" },
          requirements: [
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m"] },
            { key: "karpenter.k8s.aws/instance-cpu", operator: "Lt", values: [String((o.maxCPU ?? 4) + 1)] },
          ],
          taints: [{ key: "pool", value: name, effect: "NoSchedule" }],
          expireAfter: o.expireAfter ?? "720h",
          terminationGracePeriod: "2m",
        },
      },
      ...(o.limits ? { limits: o.limits } : {}),
      disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: o.consolidateAfter ?? "5s", ...(o.budgets ? { budgets: o.budgets } : {}) },
    },
  };
}

function workload(name: string, ns: string, pool: string, replicas: number, cpu: string, extra: { annotations?: Record<string, string> } = {}): V1Deployment {
  const d = deployment({ name, namespace: ns, replicas, cpu, memory: "256Mi", nodeSelector: { pool } });
  const spec = d.spec!.template.spec!;
  spec.tolerations = [{ key: "pool", operator: "Equal", value: pool, effect: "NoSchedule" }];
  if (extra.annotations) d.spec!.template.metadata = { ...d.spec!.template.metadata, annotations: extra.annotations };
  return d;
}

describe("disruption end to end", { timeout: 1_500_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;
  let stopInProcess: (() => Promise<void>) | undefined;

  const claimsOf = async (e: E2E, name: string) => (await e.reader.nodeClaims()).filter((c) => poolOf(c) === name && live(c));
  const namespace = async (e: E2E, name: string) => void (await e.reader.core.createNamespace({ body: { metadata: { name } } }));
  const runningPods = async (e: E2E, app: string, ns: string) => (await e.reader.pods(`app=${app}`, ns)).filter(isRunning);
  const opts = (timeoutMs = 240_000) => ({ timeoutMs, controllers: [controller] });

  before(async () => {
    const e = env();
    controller = await e.start("controller");
    const started = logged(controller, "starting controllers")[0]?.controllers;
    if (Array.isArray(started) && started.includes("disruption")) return;
    // Not wired into the operator yet: run it here, as the operator would, against the same cluster.
    const kc = e.dev.kubeConfig();
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
    const state = new ClusterState(kc, logger);
    const config = resolveConfig({}, e.dev.controllerEnv());
    const aws = await buildAWSCloudProvider({
      config,
      env: e.dev.controllerEnv(),
      kubeConfig: kc,
      getNodeClass: async (name) => {
        const nc = state.nodeClasses.get(name);
        return nc ? EC2NodeClassSchema.parse(nc) : undefined;
      },
      logger,
      credentials: e.dev.moto.clientConfig().credentials,
    });
    const kube = makeClients(kc);
    const recorder = new EventRecorder({ sink: coreV1EventSink(kube.core, { reportingInstance: "e2e-disruption" }), logger });
    const dc = newDisruptionController({
      kube,
      state,
      cloudProvider: aws,
      recorder,
      logger,
      clock: realClock,
      metrics: createMetrics(new Registry()),
      config: { featureGates: config.featureGates, disruption: { validationTTLMs: 5000, pollingPeriodMs: 2000 } },
    });
    dc.watch(state);
    await state.start();
    const abort = new AbortController();
    const running = dc.run(abort.signal);
    stopInProcess = async () => {
      abort.abort();
      await running;
      await recorder.flush();
      await state.stop();
      aws.stop();
    };
  });
  after(async () => {
    await stopInProcess?.();
  });

  it("consolidates a scaled-down Deployment within its PodDisruptionBudget, every pod Running", async () => {
    const e = env();
    await namespace(e, "consolidate");
    e.apply(pool("consolidate", { budgets: [{ nodes: "100%" }] }));
    const inflate = workload("inflate", "consolidate", "consolidate", 6, "1500m");
    const pdb = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "inflate", namespace: "consolidate" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "inflate" } } } };
    e.apply(inflate, pdb);
    await until("6 inflate pods running", async () => ((await runningPods(e, "inflate", "consolidate")).length === 6 ? true : undefined), opts());
    const before = (await claimsOf(e, "consolidate")).length;
    assert.ok(before >= 3, `4-CPU nodes for 6 × 1.5 CPU: several nodes (${before})`);
    const started = Date.now();
    e.apply({ ...inflate, spec: { ...inflate.spec!, replicas: 2 } });
    // Done means: one NodeClaim left in the pool, none still being deleted, and both pods Running on
    // its node. (Counting only claims without a deletionTimestamp raced: a deleted claim's pod runs
    // until the drain evicts it — one at a time, under the PDB — and the test read "1 node, 2 pods
    // running" just before that eviction.)
    const after = await until(
      "the pool consolidated to one node with both pods running on it",
      async () => {
        const claims = (await e.reader.nodeClaims()).filter((c) => poolOf(c) === "consolidate");
        const pods = await e.reader.pods("app=inflate", "consolidate");
        note(`consolidate: ${claims.filter(live).length} nodes (${claims.filter((c) => !live(c)).length} going), ${pods.filter(isRunning).length}/${pods.length} running`);
        const node = claims.length === 1 && live(claims[0]!) ? claims[0]!.status?.nodeName : undefined;
        return node && pods.length === 2 && pods.every((p) => isRunning(p) && p.spec?.nodeName === node) ? claims : undefined;
      },
      opts(300_000),
    );
    console.log(`    ${before} nodes → ${after.length} in ${seconds(Date.now() - started)}`);
    assert.equal((await runningPods(e, "inflate", "consolidate")).length, 2);
  });

  it("holds nodes while the budget is 0 and while a pod says do-not-disrupt", async () => {
    const e = env();
    await namespace(e, "held");
    e.apply(pool("frozen", { budgets: [{ nodes: "0" }] }), pool("guarded", { budgets: [{ nodes: "100%" }] }));
    const frozen = workload("frozen", "held", "frozen", 2, "3");
    const guarded = workload("guarded", "held", "guarded", 2, "3", { annotations: { "karpenter.sh/do-not-disrupt": "true" } });
    e.apply(frozen, guarded);
    await until("frozen and guarded pods running", async () => ((await runningPods(e, "frozen", "held")).length === 2 && (await runningPods(e, "guarded", "held")).length === 2 ? true : undefined), opts());
    const frozenNodes = (await claimsOf(e, "frozen")).map((c) => c.metadata.name).sort();
    const guardedNodes = (await claimsOf(e, "guarded")).map((c) => c.metadata.name ?? "");
    // frozen: both nodes empty, but its budget allows nothing. guarded: one node empty (it goes),
    // the other keeps its do-not-disrupt pod (it stays).
    e.apply({ ...frozen, spec: { ...frozen.spec!, replicas: 0 } }, { ...guarded, spec: { ...guarded.spec!, replicas: 1 } });
    await until("an event saying why a guarded node stays", async () => {
      const events = (await e.reader.core.listEventForAllNamespaces()).items;
      return events.find((ev) => ev.involvedObject.kind === "NodeClaim" && guardedNodes.includes(ev.involvedObject.name ?? "") && /do-not-disrupt/.test(ev.message ?? "")) ? true : undefined;
    }, opts(120_000));
    // Let the disruption controller look at these nodes a few more times before reading the result.
    await afterPasses(controller, "disruption", DisruptionPass, 3);
    assert.deepEqual((await claimsOf(e, "frozen")).map((c) => c.metadata.name).sort(), frozenNodes, "empty nodes stay while the budget is 0");
    const running = await runningPods(e, "guarded", "held");
    assert.equal(running.length, 1);
    const host = (await e.reader.nodeClaims()).find((c) => c.status?.nodeName === running[0]!.spec?.nodeName);
    assert.ok(host && live(host) && guardedNodes.includes(host.metadata.name ?? ""), "the node running the do-not-disrupt pod is still the one it started on");
  });

  it("replaces a node whose expireAfter has passed", async () => {
    const e = env();
    await namespace(e, "expiry");
    e.apply(pool("expiry", { expireAfter: "90s", budgets: [{ nodes: "0" }] }));
    e.apply(workload("short", "expiry", "expiry", 1, "1"));
    const first = await until("one node for the pod", async () => {
      const cs = await claimsOf(e, "expiry");
      return cs.length === 1 && (await runningPods(e, "short", "expiry")).length === 1 ? cs[0] : undefined;
    }, opts());
    await until(
      "the expired node replaced (even with a budget of 0) and the pod running again",
      async () => {
        const cs = await claimsOf(e, "expiry");
        const pods = await runningPods(e, "short", "expiry");
        return !cs.some((c) => c.metadata.name === first.metadata.name) && cs.length >= 1 && pods.length === 1 ? true : undefined;
      },
      opts(300_000),
    );
  });

  it("replaces nodes that drifted from a changed EC2NodeClass, within the Drifted budget", async () => {
    const e = env();
    await namespace(e, "drift");
    const nc = e.reader.custom;
    const base = (await nc.getClusterCustomObject({ group: "karpenter.k8s.aws", version: "v1", plural: "ec2nodeclasses", name: "default" })) as { spec: Record<string, unknown> };
    e.apply({ apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: { name: "drifting" }, spec: base.spec });
    e.apply(pool("drift", { nodeClass: "drifting", budgets: [{ nodes: "1", reasons: ["Drifted"] }, { nodes: "100%" }] }));
    e.apply(workload("app", "drift", "drift", 3, "3"));
    const old = await until("3 nodes running the app", async () => {
      const cs = await claimsOf(e, "drift");
      return cs.length === 3 && (await runningPods(e, "app", "drift")).length === 3 ? cs.map((c) => c.metadata.name) : undefined;
    }, opts());
    // A new setting on the node class: every node launched from it has drifted.
    e.apply({ apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: { name: "drifting" }, spec: { ...base.spec, tags: { "e2e/generation": "2" } } });
    let maxGone = 0;
    await until(
      "every drifted node replaced, one at a time, the app running",
      async () => {
        const cs = await claimsOf(e, "drift");
        const all = (await e.reader.nodeClaims()).filter((c) => poolOf(c) === "drift");
        const disrupting = all.filter((c) => old.includes(c.metadata.name) && !live(c)).length;
        maxGone = Math.max(maxGone, disrupting);
        const running = await runningPods(e, "app", "drift");
        note(`drift: ${cs.filter((c) => old.includes(c.metadata.name)).length} old nodes left, ${disrupting} going`);
        return cs.every((c) => !old.includes(c.metadata.name)) && running.length === 3 ? true : undefined;
      },
      opts(600_000),
    );
    assert.ok(maxGone <= 1, `at most one drifted node going at once (saw ${maxGone})`);
  });

  it("empties a pool inside its sleep window, and provisions it again after", async () => {
    const e = env();
    await namespace(e, "sleepy");
    e.apply(pool("sleepy", { budgets: [{ nodes: "100%" }], consolidateAfter: "Never" }));
    e.apply(workload("job", "sleepy", "sleepy", 2, "3"));
    await until("the sleepy pool's pods running", async () => ((await runningPods(e, "job", "sleepy")).length === 2 ? true : undefined), opts());
    const before = (await claimsOf(e, "sleepy")).map((c) => c.metadata.name);
    // A window that opened at the start of this minute and lasts three minutes.
    const now = Date.now();
    const opened = Math.floor(now / 60_000) * 60_000;
    const at = new Date(opened);
    const window = [{ schedule: `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`, duration: "3m", timeZone: "UTC" }];
    e.apply(pool("sleepy", { budgets: [{ nodes: "100%" }], consolidateAfter: "Never", annotations: { "tenon.sh/sleep-windows": JSON.stringify(window) } }));
    await until(
      "the nodes the pool had before its window removed",
      async () => {
        const all = (await e.reader.nodeClaims()).filter((c) => before.includes(c.metadata.name));
        return all.length === 0 ? true : undefined;
      },
      opts(150_000),
    );
    const closes = opened + 180_000;
    note(`sleepy: emptied; the window closes in ${seconds(closes - Date.now())}`);
    await until("the sleep window to close", async () => (Date.now() > closes + 1000 ? true : undefined), opts(240_000));
    await until("the pool provisions again after its window, its pods running", async () => ((await runningPods(e, "job", "sleepy")).length === 2 ? true : undefined), opts());
  });

  it("removes a pool's nodes when its limits drop to 0", async () => {
    const e = env();
    await namespace(e, "shrink");
    e.apply(pool("shrink", { budgets: [{ nodes: "100%" }] }));
    e.apply(workload("w", "shrink", "shrink", 2, "3"));
    await until("two nodes running w", async () => ((await claimsOf(e, "shrink")).length === 2 && (await runningPods(e, "w", "shrink")).length === 2 ? true : undefined), opts());
    e.apply(pool("shrink", { budgets: [{ nodes: "100%" }], limits: { cpu: "0" } }));
    await until(
      "every node of the pool gone, its pods waiting (the pool may not launch above its limit)",
      async () => {
        const all = (await e.reader.nodeClaims()).filter((c) => poolOf(c) === "shrink");
        const pods = await e.reader.pods("app=w", "shrink");
        return all.length === 0 && pods.length === 2 && pods.every((p) => !isRunning(p)) ? true : undefined;
      },
      opts(240_000),
    );
  });
});
