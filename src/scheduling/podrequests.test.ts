import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { podRequests } from "./podrequests.js";

const Mi = 2 ** 20;
const c = (name: string, cpu: string, memory?: string, restartPolicy?: string): V1Container => ({
  name,
  image: "x",
  resources: { requests: { cpu, ...(memory ? { memory } : {}) } },
  ...(restartPolicy ? { restartPolicy } : {}),
});
const pod = (containers: V1Container[], initContainers: V1Container[] = [], extra: Partial<NonNullable<V1Pod["spec"]>> = {}): V1Pod => ({
  metadata: { name: "p" },
  spec: { containers, initContainers, ...extra },
});

describe("podRequests (kube's resource.PodRequests)", () => {
  test("sums app containers and takes one pod slot", () => {
    assert.deepEqual(podRequests(pod([c("a", "100m", "64Mi"), c("b", "200m", "128Mi")])), { cpu: 300, memory: 192 * Mi, pods: 1 });
  });
  test("an init container larger than the app containers sets the request", () => {
    assert.deepEqual(podRequests(pod([c("a", "100m")], [c("i", "2")])), { cpu: 2000, pods: 1 });
  });
  test("init containers run one at a time: the largest counts, not the sum", () => {
    assert.deepEqual(podRequests(pod([c("a", "100m")], [c("i1", "1"), c("i2", "1500m")])), { cpu: 1500, pods: 1 });
  });
  test("a sidecar (restartPolicy Always) adds to the app containers", () => {
    assert.deepEqual(podRequests(pod([c("a", "1")], [c("s", "500m", undefined, "Always")])), { cpu: 1500, pods: 1 });
  });
  test("an init container after a sidecar runs next to it", () => {
    // i runs while s is up: 2 + 0.5 = 2.5 > app 1 + sidecar 0.5
    assert.deepEqual(podRequests(pod([c("a", "1")], [c("s", "500m", undefined, "Always"), c("i", "2")])), { cpu: 2500, pods: 1 });
  });
  test("an init container before a sidecar does not run next to it", () => {
    // i alone: 2; app + sidecar: 1.5 → 2
    assert.deepEqual(podRequests(pod([c("a", "1")], [c("i", "2"), c("s", "500m", undefined, "Always")])), { cpu: 2000, pods: 1 });
  });
  test("two sidecars accumulate for later init containers", () => {
    // sidecars 0.3 + 0.4, init after both 1 → 1.7; app 1 + 0.7 = 1.7
    assert.deepEqual(podRequests(pod([c("a", "1")], [c("s1", "300m", undefined, "Always"), c("s2", "400m", undefined, "Always"), c("i", "1")])), { cpu: 1700, pods: 1 });
  });
  test("each resource takes its own maximum", () => {
    assert.deepEqual(podRequests(pod([c("a", "2", "100Mi")], [c("i", "1", "1Gi")])), { cpu: 2000, memory: 1024 * Mi, pods: 1 });
  });
  test("pod overhead is added after the maximum", () => {
    assert.deepEqual(podRequests(pod([c("a", "1")], [c("i", "2")], { overhead: { cpu: "250m" } })), { cpu: 2250, pods: 1 });
  });
  test("a limit without a request defaults the request (as the API server does)", () => {
    assert.deepEqual(podRequests(pod([{ name: "a", image: "x", resources: { limits: { cpu: "1", memory: "1Gi" } } }])), { cpu: 1000, memory: 1024 * Mi, pods: 1 });
  });
  test("extended resources are counted", () => {
    assert.deepEqual(podRequests(pod([{ name: "a", image: "x", resources: { requests: { "nvidia.com/gpu": "2" } } }])), { "nvidia.com/gpu": 2, pods: 1 });
  });
  test("pod-level requests replace the container aggregate for the resources they name", () => {
    assert.deepEqual(podRequests(pod([c("a", "1", "1Gi")], [], { resources: { requests: { cpu: "3" } } })), { cpu: 3000, memory: 1024 * Mi, pods: 1 });
  });
  test("a pod with no requests still takes a pod slot", () => {
    assert.deepEqual(podRequests(pod([{ name: "a", image: "x" }])), { pods: 1 });
  });
});
