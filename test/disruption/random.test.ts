// Random small clusters through planChecked: whatever the pools, nodes, pods, budgets and blockers,
// every plan keeps the invariants. Seeded, so a failure reproduces.
import { test } from "node:test";
import fc from "fast-check";
import type { V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { DisruptionInput, Method } from "../../src/disruption/types.js";
import { planChecked } from "../kit/disruption-check.js";
import { T0, clusterInput, day, managedNode, minute, nodePool, pdb, pod, standardTypes } from "../kit/disruption.js";

const types = standardTypes();
const budgetNodes = ["0", "1", "2", "10%", "50%", "100%"];

const cluster = fc
  .record({
    pools: fc.array(
      fc.record({
        policy: fc.constantFrom("WhenEmpty" as const, "WhenEmptyOrUnderutilized" as const),
        after: fc.constantFrom("0s", "10m", "Never"),
        budget: fc.constantFrom(...budgetNodes),
        reasons: fc.option(fc.subarray(["Empty", "Drifted", "Underutilized"] as const, { minLength: 1 }), { nil: undefined }),
        spot: fc.boolean(),
        limit: fc.option(fc.constantFrom("0", "8", "16"), { nil: undefined }),
        minSavings: fc.option(fc.constantFrom("10%", "50%"), { nil: undefined }),
        asleep: fc.boolean(),
        tgp: fc.boolean(),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    nodes: fc.array(
      fc.record({
        pool: fc.nat(1),
        type: fc.nat(4),
        spot: fc.boolean(),
        ageDays: fc.constantFrom(1, 10, 40),
        quietMin: fc.constantFrom(1, 30),
        state: fc.constantFrom("ok", "ok", "ok", "deleting", "notready", "uninitialized", "dnd", "inprogress"),
        zone: fc.constantFrom("us-east-1a", "us-east-1b"),
        drifted: fc.boolean(),
        pods: fc.array(fc.record({ milli: fc.constantFrom(100, 500, 1000, 1500, 3000), kind: fc.constantFrom("plain", "plain", "plain", "dnd", "dndFor", "db", "web", "ds", "anti", "zonal", "sts"), protect: fc.constantFrom("10m", "1h", "90000h", "5 min", "0s") }), { maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    pending: fc.array(fc.constantFrom(500, 2000), { maxLength: 2 }),
    dbAllowed: fc.nat(1),
    webAllowed: fc.nat(2),
    methods: fc.option(fc.subarray(["sleep", "limits", "drift", "emptiness", "multi", "single"] as Method[], { minLength: 1 }), { nil: undefined }),
    exhaustive: fc.boolean(),
    night: fc.boolean(),
  })
  .map((c) => {
    const pools = c.pools.map((p, i) =>
      nodePool(`pool${i}`, {
        consolidationPolicy: p.policy,
        consolidateAfter: p.after,
        budgets: [{ nodes: p.budget, ...(p.reasons ? { reasons: [...p.reasons] } : {}) }],
        requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: p.spot ? ["spot", "on-demand"] : ["on-demand"] }],
        ...(p.limit ? { limits: { cpu: p.limit } } : {}),
        expireAfter: "720h",
        ...(p.tgp ? { terminationGracePeriod: "1h" } : {}),
        annotations: {
          ...(p.minSavings ? { "tenon.sh/consolidation-min-savings": p.minSavings } : {}),
          ...(p.asleep ? { "tenon.sh/sleep-windows": '[{"schedule":"0 20 * * *","duration":"12h"}]' } : {}),
        },
      }),
    );
    const nodes = c.nodes.map((n, i) => {
      const np = pools[Math.min(n.pool, pools.length - 1)]!;
      const spot = n.spot && (np.spec.template.spec.requirements[0]?.values ?? []).includes("spot");
      return managedNode(`n${i}`, {
        pool: np,
        type: types[n.type]!,
        capacityType: spot ? "spot" : "on-demand",
        zone: n.zone,
        created: T0 - n.ageDays * day,
        lastPodEventTime: T0 - n.quietMin * minute,
        ...(n.state === "deleting" ? { deleting: true } : {}),
        ...(n.state === "notready" ? { ready: false } : {}),
        ...(n.state === "uninitialized" ? { initialized: false } : {}),
        ...(n.state === "dnd" ? { annotations: { "karpenter.sh/do-not-disrupt": "true" } } : {}),
      });
    });
    const pods: V1Pod[] = [];
    c.nodes.forEach((n, i) =>
      n.pods.forEach((p, j) => {
        const o = { node: `n${i}`, cpu: `${p.milli}m` };
        const name = `p${i}-${j}`;
        if (p.kind === "dnd") pods.push(pod(name, { ...o, annotations: { "karpenter.sh/do-not-disrupt": "true" } }));
        else if (p.kind === "dndFor") {
          // A do-not-disrupt duration (or a value Karpenter ignores), on a pod started half an hour before T0.
          const timed = pod(name, { ...o, annotations: { "karpenter.sh/do-not-disrupt": p.protect } });
          pods.push({ ...timed, status: { ...timed.status, startTime: new Date(T0 - 30 * minute).toISOString() as unknown as Date } });
        }
        else if (p.kind === "db" || p.kind === "web") pods.push(pod(name, { ...o, labels: { app: p.kind } }));
        else if (p.kind === "ds") pods.push(pod(name, { ...o, owner: "DaemonSet" }));
        else if (p.kind === "anti") pods.push(pod(name, { ...o, labels: { app: "anti" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "anti" } } }] } } }));
        else if (p.kind === "zonal") pods.push(pod(name, { ...o, nodeSelector: { "topology.kubernetes.io/zone": "us-east-1b" } }));
        else if (p.kind === "sts") pods.push(pod(name, { ...o, owner: "StatefulSet" }));
        else pods.push(pod(name, o));
      }),
    );
    c.pending.forEach((m, i) => pods.push(pod(`pending-${i}`, { pending: true, cpu: `${m}m` })));
    const pdbs: V1PodDisruptionBudget[] = [pdb("db", { app: "db" }, c.dbAllowed), pdb("web", { app: "web" }, c.webAllowed)];
    const input: DisruptionInput = { ...clusterInput({ pools, nodes, pods, pdbs }), cloudDrift: new Map(c.nodes.flatMap((n, i) => (n.drifted ? [[`n${i}`, "AMIDrift" as const]] : []))), inProgress: new Set(c.nodes.flatMap((n, i) => (n.state === "inprogress" ? [`n${i}`] : []))) };
    return { input, opts: { now: c.night ? Date.parse("2026-01-05T21:00:00Z") : T0, exhaustive: c.exhaustive, spotToSpotConsolidation: c.night, ...(c.methods ? { methods: c.methods } : {}) } };
  });

test("random small clusters keep every invariant", () => {
  fc.assert(
    fc.property(cluster, ({ input, opts }) => {
      planChecked(input, opts);
    }),
    { seed: 20260105, numRuns: 300 },
  );
});
