import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CapacityBufferSchema, type CapacityBuffer } from "../../apis/capacitybuffer.js";
import { ActiveWindowsAnnotation } from "../../disruption/annotations.js";
import { referenceOf, resolveBuffer, type Source } from "./resolve.js";
import { bufferActivity } from "./windows.js";

const now = Date.parse("2026-03-03T12:00:00Z");
const buffer = (spec: Record<string, unknown>, annotations?: Record<string, string>): CapacityBuffer =>
  CapacityBufferSchema.parse({ apiVersion: "autoscaling.x-k8s.io/v1beta1", kind: "CapacityBuffer", metadata: { name: "b", namespace: "d", generation: 2, ...(annotations ? { annotations } : {}) }, spec });
const template = { spec: { containers: [{ name: "c", image: "pause", resources: { requests: { cpu: "1", memory: "1Gi" } } }] } };
const cond = (b: ReturnType<typeof resolveBuffer>, type: string) => b.status.conditions?.find((c) => c.type === type);

describe("CapacityBuffer status", () => {
  it("a podTemplateRef buffer: Resolved, replicas, podTemplateRef and its generation, the strategy", () => {
    const b = buffer({ podTemplateRef: { name: "t" }, replicas: 3 });
    const r = resolveBuffer(b, { kind: "podTemplate", name: "t", generation: 7, template }, { kind: "always" }, 0, now);
    assert.equal(r.replicas, 3);
    assert.deepEqual({ ...r.status, conditions: undefined }, { provisioningStrategy: "buffer.x-k8s.io/active-capacity", replicas: 3, podTemplateRef: { name: "t" }, podTemplateGeneration: 7, conditions: undefined });
    assert.deepEqual({ ...cond(r, "ReadyForProvisioning"), lastTransitionTime: "" }, { type: "ReadyForProvisioning", status: "True", reason: "Resolved", message: "Pod template resolved successfully", observedGeneration: 2, lastTransitionTime: "" });
  });

  it("a scalableRef buffer by percentage: of the workload's replicas, no podTemplateRef in status", () => {
    const b = buffer({ scalableRef: { kind: "Deployment", name: "api" }, percentage: 25 });
    const r = resolveBuffer(b, { kind: "scalable", template, replicas: 10 }, { kind: "always" }, 0, now);
    assert.equal(r.replicas, 3);
    assert.equal(r.status.podTemplateRef, undefined);
  });

  const bad: { name: string; b: CapacityBuffer; source?: Source; reason: string; field: RegExp }[] = [
    { name: "a missing PodTemplate", b: buffer({ podTemplateRef: { name: "gone" }, replicas: 1 }), source: { kind: "unresolved", reason: "PodTemplateNotFound", field: "spec.podTemplateRef.name", message: 'PodTemplate "gone" not found in namespace "d"' }, reason: "PodTemplateNotFound", field: /^spec\.podTemplateRef\.name: PodTemplate "gone"/ },
    { name: "a scalableRef of an unsupported kind", b: buffer({ scalableRef: { kind: "CronJob", name: "x" }, replicas: 1 }), reason: "ResolutionFailed", field: /^spec\.scalableRef\.kind: unsupported kind "CronJob"/ },
    { name: "a scalableRef of another API group", b: buffer({ scalableRef: { apiGroup: "argoproj.io", kind: "Rollout", name: "x" }, replicas: 1 }), reason: "ResolutionFailed", field: /^spec\.scalableRef\.apiGroup/ },
  ];
  for (const c of bad) {
    it(`set aside with a condition naming the field: ${c.name}`, () => {
      const ref = referenceOf(c.b);
      const source = c.source ?? (ref.kind === "unresolved" ? ref : undefined);
      assert.ok(source, "the reference is refused before any request");
      const r = resolveBuffer(c.b, source, { kind: "always" }, 0, now);
      assert.equal(r.replicas, 0);
      assert.equal(cond(r, "ReadyForProvisioning")?.status, "False");
      assert.equal(cond(r, "ReadyForProvisioning")?.reason, c.reason);
      assert.match(r.problem?.message ?? "", c.field);
      assert.equal(cond(r, "Provisioning")?.reason, "NotReadyForProvisioning");
    });
  }

  it("outside its active windows: zero replicas, Provisioning False saying when room comes", () => {
    const b = buffer({ podTemplateRef: { name: "t" }, replicas: 2 }, { [ActiveWindowsAnnotation]: '[{"schedule":"0 9 * * 1-5","duration":"30m","timeZone":"America/New_York"}]' });
    const lead = 60_000;
    const r = resolveBuffer(b, { kind: "podTemplate", name: "t", template }, bufferActivity(b, now, lead), lead, now);
    assert.equal(r.replicas, 0);
    assert.equal(r.status.replicas, 0);
    assert.equal(cond(r, "ReadyForProvisioning")?.status, "True");
    assert.equal(cond(r, "Provisioning")?.reason, "OutsideActiveWindow");
    assert.match(cond(r, "Provisioning")?.message ?? "", /from 2026-03-03 08:59 America\/New_York/);
  });

  it("an unreadable active-windows annotation sets the buffer aside, naming the annotation", () => {
    const b = buffer({ podTemplateRef: { name: "t" }, replicas: 2 }, { [ActiveWindowsAnnotation]: "[{schedule: nope, duration: 1h}]" });
    const r = resolveBuffer(b, { kind: "podTemplate", name: "t", template }, bufferActivity(b, now, 0), 0, now);
    assert.equal(r.replicas, 0);
    assert.equal(cond(r, "ReadyForProvisioning")?.reason, "InvalidActiveWindows");
    assert.match(r.problem?.message ?? "", /^metadata\.annotations\[tenon\.sh\/active-windows\]: window 0: schedule "nope"/);
  });
});
