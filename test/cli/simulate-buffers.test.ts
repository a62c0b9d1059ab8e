// `tenon simulate` with CapacityBuffers and NodeOverlays (examples/market-open): a buffer's room is
// planned as pending pods and listed per buffer, inside its window and not outside; a buffer whose
// reference is missing is set aside with a warning naming the field; what an overlay changed is
// listed, in JSON and in the table.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BufferOutcome, OverlayChange } from "../../src/cli/simulate/buffers.js";
import { simulateJSON, tenon } from "./in-process.js";

type Plan = { nodeClaims: { pods: string[]; instanceTypes: string[] }[]; buffers?: BufferOutcome[]; overlays?: OverlayChange[] };
const inside = "2026-03-03T14:05:00Z"; // 09:05 in New York, a Tuesday
const outside = "2026-03-03T18:00:00Z"; // 13:00

describe("tenon simulate: buffers and overlays", () => {
  it("inside the window, the buffer's four chunks are planned on new NodeClaims and listed as its room", async () => {
    const { plan } = (await simulateJSON(["--at", inside, "examples/market-open"])) as unknown as { plan: Plan };
    const [b] = plan.buffers ?? [];
    assert.equal(b?.buffer, "trading/market-open");
    assert.equal(b.replicas, 4);
    assert.match(b.state, /^active for window "0 9 \* \* 1-5"/);
    const onClaims = b.nodeClaims.reduce((n, c) => n + c.pods, 0);
    assert.equal(onClaims, 4);
    const virtual = plan.nodeClaims.flatMap((c) => c.pods).filter((p) => p.startsWith("trading/capacity-buffer-market-open-"));
    assert.equal(virtual.length, 4, "the claims name the buffer's virtual pods");
  });

  it("outside the window, no room, and the state says when it comes", async () => {
    const { plan } = (await simulateJSON(["--at", outside, "examples/market-open"])) as unknown as { plan: Plan };
    const [b] = plan.buffers ?? [];
    assert.equal(b?.replicas, 0);
    assert.deepEqual(b.nodeClaims, []);
    assert.match(b.state, /room is launched from 2026-03-04 08:5\d America\/New_York/);
    assert.equal(plan.nodeClaims.flatMap((c) => c.pods).filter((p) => p.includes("capacity-buffer")).length, 0);
  });

  it("lists what the NodeOverlay changed: c7i 30% cheaper, nothing else", async () => {
    const { plan } = (await simulateJSON(["--at", outside, "examples/market-open"])) as unknown as { plan: Plan };
    const changes = plan.overlays ?? [];
    assert.ok(changes.length > 0);
    for (const c of changes) {
      assert.match(c.instanceType, /^c7i\./);
      assert.ok(c.price && Math.abs(c.price.to - c.price.from * 0.7) < 1e-4, JSON.stringify(c));
    }
  });

  it("a buffer whose PodTemplate is not in the input is set aside with a warning naming the field", async () => {
    const stdin = JSON.stringify({ apiVersion: "autoscaling.x-k8s.io/v1beta1", kind: "CapacityBuffer", metadata: { name: "lost", namespace: "x" }, spec: { podTemplateRef: { name: "nope" }, replicas: 2 } });
    const r = await tenon(["simulate", "-o", "json", "examples/basic/nodepool.yaml", "examples/basic/ec2nodeclass.yaml", "-"], stdin);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: CapacityBuffer "x\/lost" set aside: spec\.podTemplateRef\.name: PodTemplate "nope" not found in namespace "x"/);
    const plan = JSON.parse(r.stdout) as Plan;
    assert.equal(plan.buffers?.[0]?.replicas, 0);
  });

  it("the table has a section per buffer and per changed type", async () => {
    const r = await tenon(["simulate", "--at", inside, "examples/market-open"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CapacityBuffers: 1 \(their room is planned as pending pods; no pod runs\)\nBUFFER\s+REPLICAS\s+ROOM ON\s+STATE\ntrading\/market-open\s+4\s+nodeclaim #1 \(4\)/);
    assert.match(r.stdout, /NodeOverlays changed \d+ instance types:[\s\S]*c7i\.large\s+\$0\.0357 → \$0\.0250/);
  });
});
