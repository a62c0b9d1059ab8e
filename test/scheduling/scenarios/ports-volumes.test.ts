// Host ports and volume topology.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import { type Scenario, claimLabel, existingNode, input, pod, pods, solveChecked } from "../../kit/scheduling.js";

const Zone = "topology.kubernetes.io/zone";
const pvc = (name: string, o: { volumeName?: string; storageClassName?: string } = {}): V1PersistentVolumeClaim => ({ metadata: { name, namespace: "default" }, spec: { ...o } });
const pv = (name: string, zones: string[] | undefined, labels?: Record<string, string>): V1PersistentVolume => ({
  metadata: { name, labels },
  spec: zones ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: Zone, operator: "In", values: zones }] }] } } } : {},
});
const sc = (name: string, zones?: string[], o: { mode?: string; isDefault?: boolean } = {}): V1StorageClass => ({
  metadata: { name, annotations: o.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : undefined },
  provisioner: "ebs.csi.aws.com",
  volumeBindingMode: o.mode ?? "WaitForFirstConsumer",
  allowedTopologies: zones ? [{ matchLabelExpressions: [{ key: Zone, values: zones }] }] : undefined,
});
const withClaim = (name: string, claim: string) => pod(name, { cpu: "1", volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] });

const scenarios: Scenario[] = [
  {
    name: "two pods with the same host port need two nodes",
    input: () => input({ pods: pods(2, "p", { cpu: "100m", hostPorts: [{ port: 8080 }] }) }),
    expect: (r) => assert.equal(r.nodeClaims.length, 2),
  },
  {
    name: "the same port on different protocols shares a node",
    input: () => input({ pods: [pod("tcp", { cpu: "100m", hostPorts: [{ port: 53, protocol: "TCP" }] }), pod("udp", { cpu: "100m", hostPorts: [{ port: 53, protocol: "UDP" }] })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "the same port on two specific addresses shares a node",
    input: () => input({ pods: [pod("a", { cpu: "100m", hostPorts: [{ port: 80, ip: "10.0.0.1" }] }), pod("b", { cpu: "100m", hostPorts: [{ port: 80, ip: "10.0.0.2" }] })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "a specific address conflicts with the wildcard",
    input: () => input({ pods: [pod("a", { cpu: "100m", hostPorts: [{ port: 80, ip: "10.0.0.1" }] }), pod("b", { cpu: "100m", hostPorts: [{ port: 80 }] })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 2),
  },
  {
    name: "a port taken on an existing node sends the pod elsewhere",
    input: () => input({ pods: [pod("a", { cpu: "100m", hostPorts: [{ port: 9100 }] })], nodes: [existingNode("n1", { pods: [pod("exporter", { hostPorts: [{ port: 9100 }] })] })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "a port free on an existing node is used there",
    input: () => input({ pods: [pod("a", { cpu: "100m", hostPorts: [{ port: 9101 }] })], nodes: [existingNode("n1", { pods: [pod("exporter", { hostPorts: [{ port: 9100 }] })] })] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "the explanation names the host port on existing nodes",
    input: () => input({ pods: [pod("a", { cpu: "100m", hostPorts: [{ port: 9100 }], nodeSelector: { "kubernetes.io/hostname": "n1" } })], nodes: [existingNode("n1", { pods: [pod("exporter", { hostPorts: [{ port: 9100 }] })] })] }),
    expect: (r) => {
      const e = r.unschedulable[0]!.reasons.find((x) => x.existingNodes !== undefined)!;
      assert.equal(e.constraint, "hostPort");
      assert.match(e.detail, /host port 0\.0\.0\.0:9100\/TCP in use/);
    },
  },
  {
    name: "a bound volume's zone pins the pod",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a", { volumeName: "pv-1" })], volumes: [pv("pv-1", ["zone-c"])] } }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-c"),
  },
  {
    name: "a volume labelled with its zone (in-tree) pins the pod",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a", { volumeName: "pv-1" })], volumes: [pv("pv-1", undefined, { [Zone]: "zone-b" })] } }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, Zone), "zone-b"),
  },
  {
    name: "an unbound claim with a WaitForFirstConsumer class goes where the class allows",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a", { storageClassName: "gp3" })], storageClasses: [sc("gp3", ["zone-a", "zone-b"])] } }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-a", "zone-b"]),
  },
  {
    name: "an unbound claim without a class uses the default class",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a")], storageClasses: [sc("gp3", ["zone-c"], { isDefault: true })] } }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-c"]),
  },
  {
    name: "a class without allowed topologies does not constrain",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a", { storageClassName: "gp3" })], storageClasses: [sc("gp3")] } }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.zones.length, 3),
  },
  {
    name: "a generic ephemeral volume uses its template's class",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", volumes: [{ name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { storageClassName: "gp3" } } } }] })],
        volumes: { storageClasses: [sc("gp3", ["zone-b"])] },
      }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-b"]),
  },
  {
    name: "a missing claim makes the pod unschedulable with a volume reason",
    input: () => input({ pods: [withClaim("a", "nope")], volumes: {} }),
    expect: (r) => {
      assert.deepEqual(r.unschedulable[0]!.reasons, [{ constraint: "volume", detail: 'persistentvolumeclaim "default/nope" not found' }]);
    },
  },
  {
    name: "a missing storage class makes the pod unschedulable",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a", { storageClassName: "gone" })] } }),
    expect: (r) => assert.match(r.unschedulable[0]!.message, /storageclass "gone"/),
  },
  {
    name: "a volume in a zone the NodePool does not cover is a volume conflict",
    input: () => input({ pods: [withClaim("a", "data-a")], volumes: { claims: [pvc("data-a", { volumeName: "pv-1" })], volumes: [pv("pv-1", ["zone-z"])] } }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.ok(["volume", "offering"].includes(r.unschedulable[0]!.reasons[0]!.constraint));
    },
  },
  {
    name: "a volume's zone and the pod's own zone selector must agree",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", nodeSelector: { [Zone]: "zone-a" }, volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data-a" } }] })],
        volumes: { claims: [pvc("data-a", { volumeName: "pv-1" })], volumes: [pv("pv-1", ["zone-b"])] },
      }),
    expect: (r) => assert.equal(r.unschedulable.length, 1),
  },
  {
    name: "pods sharing a zonal volume land in its zone together",
    input: () => input({ pods: [withClaim("a", "shared"), withClaim("b", "shared")], volumes: { claims: [pvc("shared", { volumeName: "pv-1" })], volumes: [pv("pv-1", ["zone-b"])] } }),
    expect: (r) => assert.ok(r.nodeClaims.every((c) => claimLabel(c, Zone) === "zone-b")),
  },
];

describe("scenarios: host ports and volumes", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
