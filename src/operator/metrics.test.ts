import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Registry,
  collectProcessMetrics,
  createMetrics,
  metrics,
  nodeMetricLabelName,
  nodeMetricLabels,
  registry,
  resourceTypeLabel,
} from "./metrics.js";

// Karpenter v1's exported names, types and labels that dashboards and alerts key on.
const expected: Record<string, { type: string; labels: string[] }> = {
  karpenter_nodeclaims_created_total: { type: "counter", labels: ["reason", "nodepool", "capacity_type", "min_values_relaxed"] },
  karpenter_nodeclaims_terminated_total: { type: "counter", labels: ["nodepool", "capacity_type", "zone"] },
  karpenter_nodeclaims_disrupted_total: { type: "counter", labels: ["reason", "nodepool", "capacity_type"] },
  karpenter_nodeclaims_termination_duration_seconds: { type: "histogram", labels: ["nodepool"] },
  karpenter_nodeclaims_instance_termination_duration_seconds: { type: "histogram", labels: ["nodepool"] },
  karpenter_nodes_created_total: { type: "counter", labels: ["nodepool", "zone"] },
  karpenter_nodes_terminated_total: { type: "counter", labels: ["nodepool", "zone"] },
  karpenter_pods_state: {
    type: "gauge",
    labels: ["name", "namespace", "owner", "node", "scheduled", "nodepool", "zone", "arch", "capacity_type", "instance_type", "phase", "ready", "managed"],
  },
  karpenter_pods_startup_duration_seconds: { type: "summary", labels: [] },
  karpenter_pods_eviction_requests_total: { type: "counter", labels: ["code"] },
  karpenter_scheduler_scheduling_duration_seconds: { type: "histogram", labels: ["controller"] },
  karpenter_cloudprovider_duration_seconds: { type: "histogram", labels: ["controller", "method", "provider"] },
  karpenter_cloudprovider_errors_total: { type: "counter", labels: ["controller", "method", "provider", "error"] },
  karpenter_nodepools_usage: { type: "gauge", labels: ["nodepool", "resource_type"] },
  karpenter_nodepools_limit: { type: "gauge", labels: ["nodepool", "resource_type"] },
  karpenter_nodepools_allowed_disruptions: { type: "gauge", labels: ["nodepool", "reason"] },
  karpenter_voluntary_disruption_decisions_total: { type: "counter", labels: ["decision", "reason", "consolidation_type"] },
  karpenter_voluntary_disruption_eligible_nodes: { type: "gauge", labels: ["reason"] },
  karpenter_voluntary_disruption_decision_evaluation_duration_seconds: { type: "histogram", labels: ["reason", "consolidation_type"] },
  karpenter_voluntary_disruption_consolidation_timeouts_total: { type: "counter", labels: ["consolidation_type"] },
  karpenter_voluntary_disruption_queue_failures_total: { type: "counter", labels: ["decision", "reason", "consolidation_type"] },
  karpenter_cluster_state_node_count: { type: "gauge", labels: [] },
  karpenter_cluster_state_synced: { type: "gauge", labels: [] },
  karpenter_cluster_state_unsynced_time_seconds: { type: "gauge", labels: [] },
};

const nodeMetrics = [
  "karpenter_nodes_allocatable",
  "karpenter_nodes_total_pod_requests",
  "karpenter_nodes_total_pod_limits",
  "karpenter_nodes_total_daemon_requests",
  "karpenter_nodes_total_daemon_limits",
  "karpenter_nodes_system_overhead",
];

interface Introspectable {
  name: string;
  labelNames: string[];
}

describe("createMetrics", () => {
  it("registers Karpenter's names, types and labels", async () => {
    const reg = new Registry();
    createMetrics(reg);
    const byName = new Map((await reg.getMetricsAsJSON()).map((m) => [m.name, m]));
    for (const [name, want] of Object.entries(expected)) {
      const got = byName.get(name);
      assert.ok(got, `${name} is not registered`);
      assert.equal(got.type, want.type, `${name} type`);
      const metric = reg.getSingleMetric(name) as unknown as Introspectable;
      assert.deepEqual([...metric.labelNames].sort(), [...want.labels].sort(), `${name} labels`);
    }
    for (const name of nodeMetrics) {
      assert.equal(byName.get(name)?.type, "gauge", name);
      const labels = (reg.getSingleMetric(name) as unknown as Introspectable).labelNames;
      for (const l of ["nodepool", "zone", "instance_type", "capacity_type", "arch", "instance_family", "node_name", "phase", "resource_type"]) {
        assert.ok(labels.includes(l), `${name} lacks ${l}`);
      }
    }
    for (const name of byName.keys()) assert.match(name, /^karpenter_/);
  });

  it("exposes values in the Prometheus text format", async () => {
    const reg = new Registry();
    const m = createMetrics(reg);
    m.nodeClaimsCreated.inc({ reason: "provisioned", nodepool: "default", capacity_type: "spot", min_values_relaxed: "false" });
    m.schedulingDuration.observe({ controller: "provisioner" }, 0.42);
    m.clusterStateSynced.set(1);
    const text = await reg.metrics();
    assert.match(text, /# TYPE karpenter_nodeclaims_created_total counter/);
    assert.match(
      text,
      /karpenter_nodeclaims_created_total\{reason="provisioned",nodepool="default",capacity_type="spot",min_values_relaxed="false"\} 1/,
    );
    assert.match(text, /karpenter_scheduler_scheduling_duration_seconds_bucket\{le="0.45",controller="provisioner"\} 1/);
    assert.match(text, /karpenter_cluster_state_synced 1/);
  });

  it("lets a test registry stand apart from the process registry", async () => {
    const reg = new Registry();
    createMetrics(reg);
    metrics.clusterStateNodeCount.set(3);
    assert.match(await registry.metrics(), /karpenter_cluster_state_node_count 3/);
    assert.match(await reg.metrics(), /karpenter_cluster_state_node_count 0/);
  });
});

describe("collectProcessMetrics", () => {
  it("adds the runtime metrics", async () => {
    const reg = new Registry();
    collectProcessMetrics(reg);
    const text = await reg.metrics();
    assert.match(text, /process_cpu_user_seconds_total/);
    assert.match(text, /nodejs_eventloop_lag_seconds/);
  });
});

describe("node metric labels", () => {
  it("turns well-known label keys into Karpenter's metric label names", () => {
    assert.equal(nodeMetricLabelName("karpenter.sh/capacity-type"), "capacity_type");
    assert.equal(nodeMetricLabelName("node.kubernetes.io/instance-type"), "instance_type");
    assert.equal(nodeMetricLabelName("karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz"), "instance_cpu_sustained_clock_speed_mhz");
    assert.equal(nodeMetricLabelName("topology.k8s.aws/zone-id"), "zone_id");
  });

  it("fills every label, empty when the node lacks it", () => {
    const labels = nodeMetricLabels({
      name: "ip-10-0-0-1",
      labels: { "karpenter.sh/nodepool": "default", "topology.kubernetes.io/zone": "us-west-2a" },
      managed: true,
    });
    assert.equal(labels.nodepool, "default");
    assert.equal(labels.zone, "us-west-2a");
    assert.equal(labels.instance_type, "");
    assert.equal(labels.node_name, "ip-10-0-0-1");
    assert.equal(labels.managed, "true");
    const reg = new Registry();
    const m = createMetrics(reg);
    m.nodesAllocatable.set({ ...labels, resource_type: resourceTypeLabel("ephemeral-storage") }, 20e9);
  });

  it("formats resource types the way Karpenter does", () => {
    assert.equal(resourceTypeLabel("ephemeral-storage"), "ephemeral_storage");
    assert.equal(resourceTypeLabel("nvidia.com/gpu"), "nvidia.com/gpu");
  });
});
