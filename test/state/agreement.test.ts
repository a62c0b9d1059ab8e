// The controller and `tenon simulate` see the same cluster through the same code (issue 10): for
// each snapshot of a live cluster (a real API server) — existing nodes with pods, nodes in flight,
// NodeClaims without a Node yet, daemonsets, nodes being disrupted, pending pods — the plan the
// provisioner computes from its watches and the plan `tenon simulate` computes from `kubectl get
// -o yaml` of the same cluster are identical, and so are the disruption plans.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, CustomObjectsApi, AppsV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { classifyManifests } from "../../src/cli/manifests/classify.js";
import { parseDocuments } from "../../src/cli/manifests/documents.js";
import { snapshotInput } from "../../src/cli/disrupt.js";
import { instanceTypesFor } from "../../src/cli/simulate/instance-types.js";
import { simulate } from "../../src/cli/simulate/simulation.js";
import { FakeCloudProvider } from "../../src/cloudprovider/fake/index.js";
import { InputBuilder } from "../../src/controllers/disruption/input.js";
import { defaultDisruptionSettings } from "../../src/controllers/disruption/settings.js";
import { buildSchedulingInput } from "../../src/controllers/provisioning/input.js";
import { realClock } from "../../src/controllers/runtime/clock.js";
import { type DisruptionPlan, planDisruption } from "../../src/disruption/index.js";
import { type SchedulingResult, solve } from "../../src/scheduling/index.js";
import { ClusterState } from "../../src/state/cluster.js";
import { installCRDs, useControlPlane, waitFor } from "../env/index.js";
import { bin, repoRoot } from "../env/paths.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const NS = "agree";
const REGION = "us-east-1";
const nodeClassRef = { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" };
const at = new Date("2026-12-02T12:00:00Z").getTime();

/** The plan as a user reads it: which claims from which pool with which types hold which pods, and where the rest go. */
function summary(r: SchedulingResult): unknown {
  const names = (pods: readonly V1Pod[]) => pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();
  return {
    nodeClaims: r.nodeClaims.map((c) => ({ nodePool: c.nodePool, types: c.instanceTypes.map((t) => t.name), pods: names(c.pods), price: c.pricePerHour.toFixed(6) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    existingNodes: r.existingNodes.map((n) => ({ name: n.name, pods: names(n.pods) })).sort((a, b) => a.name.localeCompare(b.name)),
    unschedulable: names(r.unschedulable.map((u) => u.pod)),
    rejected: r.rejected,
  };
}

function disruptionSummary(p: DisruptionPlan): unknown {
  return {
    command: p.command ? { method: p.command.method, decision: p.command.decision, candidates: p.command.candidates.map((c) => c.name).sort(), replacements: p.command.replacements.map((r) => r.planned.instanceTypes.map((t) => t.name)) } : null,
    expired: p.expired.map((e) => e.claim.metadata.name).sort(),
    consolidatable: p.consolidatable.map((c) => `${c.claim}=${c.consolidatable}`).sort(),
    kept: p.explanations.map((e) => `${e.node}:${e.method ?? ""}:${e.kind}`).sort(),
  };
}

describe("the controller and tenon simulate agree on the same cluster", { timeout: 300_000 }, () => {
  const cluster = useControlPlane();
  let state: ClusterState;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let apps: AppsV1Api;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    state = new ClusterState(kc);
    await state.start();
    await createNodeClass();
    await createPool("general", 10, []);
    await createPool("spot", 1, [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }]);
  });
  after(() => state?.stop());

  const kubectl = (args: string[]): string => {
    const r = spawnSync(bin.kubectl, ["--kubeconfig", cluster().kubeconfigPath, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  /** `kubectl get … -o yaml` of everything the plans read, as `tenon simulate` would be given it. */
  const snapshot = () => {
    const text = kubectl(["get", "nodepools,ec2nodeclasses,nodeclaims,nodes,daemonsets,pods", "-A", "-o", "yaml"]);
    return parseDocuments({ source: "snapshot.yaml", text });
  };

  async function createNodeClass(): Promise<void> {
    await custom.createClusterCustomObject({
      group: "karpenter.k8s.aws",
      version: "v1",
      plural: "ec2nodeclasses",
      body: {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: "default" },
        spec: { role: "NodeRole", amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ tags: { a: "b" } }], securityGroupSelectorTerms: [{ tags: { a: "b" } }] },
      },
    });
    await custom.patchClusterCustomObjectStatus(
      {
        group: "karpenter.k8s.aws",
        version: "v1",
        plural: "ec2nodeclasses",
        name: "default",
        body: { status: { subnets: [{ id: "subnet-a", zone: "us-east-1a" }, { id: "subnet-b", zone: "us-east-1b" }] } },
      },
      mergePatch,
    );
  }

  async function createPool(name: string, weight: number, requirements: unknown[]): Promise<void> {
    await custom.createClusterCustomObject({
      group: "karpenter.sh",
      version: "v1",
      plural: "nodepools",
      body: {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name },
        spec: {
          weight,
          limits: { cpu: "200" },
          disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "0s", budgets: [{ nodes: "100%" }] },
          template: { spec: { nodeClassRef, requirements, startupTaints: [{ key: "agent.example.com/not-ready", effect: "NoSchedule" }] } },
        },
      },
    });
  }

  async function node(name: string, o: { pool: string; initialized?: boolean; type?: string; cpu?: string; memory?: string; disrupted?: boolean }): Promise<void> {
    const labels: Record<string, string> = {
      "karpenter.sh/nodepool": o.pool,
      "node.kubernetes.io/instance-type": o.type ?? "m5.xlarge",
      "topology.kubernetes.io/zone": "us-east-1a",
      "karpenter.sh/capacity-type": "on-demand",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/os": "linux",
      "kubernetes.io/hostname": name,
      "karpenter.sh/registered": "true",
      ...(o.initialized === false ? {} : { "karpenter.sh/initialized": "true" }),
    };
    const providerID = `aws:///us-east-1a/i-${name}`;
    await core.createNode({ body: { metadata: { name, labels }, spec: { providerID, ...(o.disrupted ? { taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] } : {}) } } });
    const resources = { cpu: o.cpu ?? "4", memory: o.memory ?? "15Gi", pods: "58", "ephemeral-storage": "20Gi" };
    await core.patchNodeStatus({ name, body: { status: { capacity: resources, allocatable: { ...resources, cpu: `${Number(o.cpu ?? 4) * 1000 - 80}m` }, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "ready", lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] } } }, mergePatch);
    await claim(name, { pool: o.pool, type: o.type ?? "m5.xlarge", providerID, nodeName: name, initialized: o.initialized !== false, capacity: resources });
  }

  async function claim(name: string, o: { pool: string; type?: string; providerID?: string; nodeName?: string; initialized?: boolean; capacity?: Record<string, string>; allocatable?: Record<string, string> }): Promise<void> {
    const types = o.type ? [o.type] : ["m5.large", "m5.xlarge", "c5.xlarge"];
    await custom.createClusterCustomObject({
      group: "karpenter.sh",
      version: "v1",
      plural: "nodeclaims",
      body: {
        apiVersion: "karpenter.sh/v1",
        kind: "NodeClaim",
        metadata: { name, labels: { "karpenter.sh/nodepool": o.pool, ...(o.type ? { "node.kubernetes.io/instance-type": o.type } : {}) } },
        spec: {
          nodeClassRef,
          requirements: [
            { key: "karpenter.sh/nodepool", operator: "In", values: [o.pool] },
            { key: "node.kubernetes.io/instance-type", operator: "In", values: types },
            { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
          ],
          resources: { requests: { cpu: "1" } },
          startupTaints: [{ key: "agent.example.com/not-ready", effect: "NoSchedule" }],
        },
      },
    });
    const time = new Date(at - 3600_000).toISOString();
    const cond = (type: string, ok: boolean) => ({ type, status: ok ? "True" : "Unknown", reason: ok ? type : "AwaitingReconciliation", message: "", lastTransitionTime: time });
    await custom.patchClusterCustomObjectStatus(
      {
        group: "karpenter.sh",
        version: "v1",
        plural: "nodeclaims",
        name,
        body: {
          status: {
            ...(o.providerID ? { providerID: o.providerID } : {}),
            ...(o.nodeName ? { nodeName: o.nodeName } : {}),
            ...(o.capacity ? { capacity: o.capacity } : {}),
            ...(o.allocatable ? { allocatable: o.allocatable } : {}),
            conditions: [cond("Launched", o.providerID !== undefined), cond("Registered", o.nodeName !== undefined), cond("Initialized", o.initialized === true && o.nodeName !== undefined)],
          },
        },
      },
      mergePatch,
    );
  }

  async function pod(name: string, o: { cpu: string; node?: string; labels?: Record<string, string>; pool?: string }): Promise<void> {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name, namespace: NS, labels: { app: name, ...o.labels } },
        spec: {
          ...(o.node ? { nodeName: o.node } : {}),
          ...(o.pool ? { nodeSelector: { "karpenter.sh/nodepool": o.pool } } : {}),
          containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: o.cpu, memory: "512Mi" } } }],
        },
      },
    });
    const status = o.node
      ? { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }
      : { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available" }] };
    await core.patchNamespacedPodStatus({ namespace: NS, name, body: { status } }, mergePatch);
  }

  async function daemonSet(name: string, cpu: string): Promise<void> {
    await apps.createNamespacedDaemonSet({
      namespace: NS,
      body: {
        metadata: { name, namespace: NS },
        spec: {
          selector: { matchLabels: { ds: name } },
          template: { metadata: { labels: { ds: name } }, spec: { tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "x", resources: { requests: { cpu, memory: "128Mi" } } }] } },
        },
      },
    });
  }

  /** Waits until the watches hold exactly what the API server does: every object, at its latest resourceVersion. */
  async function caughtUp(): Promise<void> {
    type Obj = { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };
    const versions = (items: readonly Obj[]) => new Map(items.map((o) => [`${o.metadata?.namespace ?? ""}/${o.metadata?.name}`, o.metadata?.resourceVersion]));
    const want = [
      versions((await core.listNamespacedPod({ namespace: NS })).items),
      versions((await core.listNode()).items),
      versions(((await custom.listClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodeclaims" })) as { items: Obj[] }).items),
      versions((await apps.listNamespacedDaemonSet({ namespace: NS })).items),
    ];
    const same = (a: Map<string, string | undefined>, b: Map<string, string | undefined>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    await waitFor(
      "the cluster state to hold the snapshot",
      async () => {
        const have = [versions(state.pods.list().filter((p) => p.metadata?.namespace === NS)), versions(state.nodes.list()), versions(state.nodeClaims.list()), versions(state.daemonSets.list())];
        return want.every((w, k) => same(w, have[k]!)) ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
  }

  /** Both plans for the cluster as it is now. */
  async function plans(): Promise<{ controller: unknown; cli: unknown; controllerDisruption: unknown; cliDisruption: unknown }> {
    await caughtUp();
    const manifests = snapshot();
    const set = classifyManifests(manifests);
    const cliPlan = simulate(set, { region: REGION });
    // The controller: its watches, the provisioner's input builder, the same instance types.
    const types = instanceTypesFor(set.nodePools, set.nodeClasses, REGION, set.sources).byNodePool;
    const pools = state.nodePools.list();
    const built = buildSchedulingInput(
      { pods: state.pods.list(), nodes: state.nodes.list(), nodeClaims: state.nodeClaims.list(), daemonSets: state.daemonSets.list(), nodePools: pools },
      { nodePools: pools, instanceTypes: types, nominations: new Map(), volumes: { claims: state.claims.list(), volumes: state.volumes.list(), storageClasses: state.storageClasses.list() } },
    );
    const controllerPlan = solve(built.input);

    const opts = { now: at };
    const cloud = new FakeCloudProvider({ instanceTypesByNodePool: Object.fromEntries(types) });
    const liveInput = await new InputBuilder({ state, cloudProvider: cloud, clock: realClock, logger: pino({ level: "silent" }) }, defaultDisruptionSettings).build(new Set());
    const cliInput = snapshotInput(manifests, { region: REGION, now: at }).input;
    return {
      controller: summary(controllerPlan),
      cli: summary(cliPlan.result),
      controllerDisruption: disruptionSummary(planDisruption(liveInput, { ...opts, requireReadyNodePools: false })),
      cliDisruption: disruptionSummary(planDisruption(cliInput, { ...opts, requireReadyNodePools: false })),
    };
  }

  type Plans = Awaited<ReturnType<typeof plans>>;
  const placedOn = (p: Plans, pod: string): string | undefined => {
    const c = p.controller as { existingNodes: { name: string; pods: string[] }[]; nodeClaims: { nodePool: string; pods: string[] }[] };
    return c.existingNodes.find((n) => n.pods.includes(pod))?.name ?? (c.nodeClaims.some((n) => n.pods.includes(pod)) ? "a new NodeClaim" : undefined);
  };
  const scenarios: { name: string; build: () => Promise<void>; expect?: (p: Plans) => void }[] = [
    { name: "pending pods and no nodes: two pools, the heavier first", build: async () => Promise.all([pod("a", { cpu: "1" }), pod("b", { cpu: "2" }), pod("c", { cpu: "500m", pool: "spot" })]).then(() => undefined) },
    {
      name: "an initialized node with room and bound pods, and a daemonset",
      build: async () => {
        await daemonSet("agent", "200m");
        await node("n-full", { pool: "general" });
        await pod("bound-1", { cpu: "1", node: "n-full" });
        await pod("d", { cpu: "1" });
      },
    },
    {
      name: "a node in flight, still waiting for its daemonset pod",
      build: async () => {
        await node("n-new", { pool: "general", initialized: false });
        // 3.8 cpu fits the node's 3.92 allocatable, but not once its 200m agent arrives: the pod needs a new node.
        await pod("e", { cpu: "3800m" });
      },
      expect: (p) => assert.equal(placedOn(p, `${NS}/e`), "a new NodeClaim"),
    },
    {
      name: "a NodeClaim without a Node yet, launched and not launched",
      build: async () => {
        await claim("c-launched", { pool: "general", type: "m5.xlarge", providerID: "aws:///us-east-1a/i-launched", allocatable: { cpu: "3920m", memory: "15Gi", pods: "58" }, capacity: { cpu: "4", memory: "16Gi", pods: "58" } });
        await claim("c-planned", { pool: "spot" });
        await pod("f", { cpu: "2" });
      },
    },
    {
      name: "a node being disrupted: its pods need a place too",
      build: async () => {
        await node("n-going", { pool: "general", disrupted: true, type: "m5.large", cpu: "2", memory: "7Gi" });
        await pod("on-going", { cpu: "500m", node: "n-going" });
      },
      expect: (p) => assert.notEqual(placedOn(p, `${NS}/on-going`), undefined, "planned elsewhere"),
    },
    {
      name: "underutilized nodes the disruption controller would consolidate",
      build: async () => {
        await node("n-idle-1", { pool: "general", type: "m5.2xlarge", cpu: "8", memory: "31Gi" });
        await node("n-idle-2", { pool: "general", type: "m5.2xlarge", cpu: "8", memory: "31Gi" });
        await pod("tiny-1", { cpu: "100m", node: "n-idle-1" });
        await pod("tiny-2", { cpu: "100m", node: "n-idle-2" });
      },
      expect: (p) => assert.notEqual((p.controllerDisruption as { command: unknown }).command, null, "a command to compare"),
    },
  ];

  for (const s of scenarios) {
    it(s.name, async () => {
      await s.build();
      const p = await plans();
      if (process.env.TENON_AGREE_DEBUG) console.log(JSON.stringify(p, null, 1));
      assert.deepEqual(p.cli, p.controller, "the provisioner's plan and tenon simulate's");
      assert.deepEqual(p.cliDisruption, p.controllerDisruption, "the disruption plans");
      s.expect?.(p);
    });
  }
});
