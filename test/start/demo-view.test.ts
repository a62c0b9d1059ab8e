// The demo's live view from plain objects: what a person watching sees, and that it stays compact.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../src/apis/index.js";
import { loadCatalogInstanceTypes } from "../../src/cloudprovider/aws/catalog.js";
import { Screen, claimState, renderView } from "../../scripts/demo-view.js";

const catalog = new Map(loadCatalogInstanceTypes("us-east-1").map((t) => [t.name, t]));

function claim(name: string, conditions: string[], extra: Partial<NodeClaim["metadata"]> = {}, reason?: string): NodeClaim {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, labels: { "node.kubernetes.io/instance-type": "c6a.xlarge", "topology.kubernetes.io/zone": "us-east-1a", "karpenter.sh/capacity-type": "on-demand" }, ...extra },
    spec: {} as NodeClaim["spec"],
    status: { nodeName: `node-${name}`, conditions: conditions.map((type) => ({ type, status: "True", reason: type === "DisruptionReason" ? (reason ?? "") : type, message: "", lastTransitionTime: "2026-01-01T00:00:00Z" })) },
  } as NodeClaim;
}

const pod = (name: string, phase: string, nodeName?: string): V1Pod => ({ metadata: { name, namespace: "default" }, spec: { containers: [], nodeName }, status: { phase } });

describe("demo live view", () => {
  it("shows claims with state, price and pods, the cost, pending pods with tenon's reason, and disruption decisions", () => {
    const price = catalog.get("c6a.xlarge")!.offerings.find((o) => o.zone === "us-east-1a" && o.capacityType === "on-demand")!.price;
    const lines = renderView(
      {
        claims: [claim("default-a", ["Launched", "Registered", "Initialized", "Ready"]), claim("default-b", ["Launched", "DisruptionReason"], {}, "Empty")],
        pods: [pod("p1", "Running", "node-default-a"), pod("p2", "Pending")],
        log: [
          { time: "2026-01-01T10:00:00.000Z", message: "could not schedule pod(s)", example: 'nodepool "default": taint x not tolerated' },
          { time: "2026-01-01T10:00:05.000Z", message: "disrupting node(s) via empty", reason: "Empty", command: "delete, terminating 1 nodes (0 pods) node-default-b/c6a.xlarge/on-demand" },
        ],
      },
      catalog,
    );
    assert.equal(lines[0], `pods 1 running, 1 pending · nodeclaims 2 · cost $${(2 * price).toFixed(4)}/hour`);
    assert.match(lines.find((l) => l.includes("default-a"))!, /c6a\.xlarge\s+us-east-1a\s+on-demand\s+1\s+\d\.\d{4}\s+Ready$/);
    assert.match(lines.find((l) => l.includes("default-b"))!, /Disrupting \(Empty\)$/);
    assert.ok(lines.includes('pending: 1 pod; tenon: nodepool "default": taint x not tolerated'));
    assert.ok(lines.includes("  10:00:05 Empty: delete, terminating 1 nodes (0 pods) node-default-b/c6a.xlarge/on-demand"));
  });

  it("stays one screen at hundreds of nodes", () => {
    const claims = Array.from({ length: 300 }, (_, i) => claim(`c-${String(i).padStart(3, "0")}`, ["Launched"]));
    const lines = renderView({ claims, pods: [], log: [] }, catalog);
    assert.ok(lines.length <= 16, `${lines.length} lines`);
    assert.ok(lines.includes("  … and 288 more"));
  });

  it("names a claim's state by where it is in its life", () => {
    assert.equal(claimState(claim("x", [])), "Launching");
    assert.equal(claimState(claim("x", ["Launched", "Registered"])), "Registered");
    assert.equal(claimState(claim("x", ["Launched", "Drifted"])), "Drifted");
    assert.equal(claimState(claim("x", ["Ready"], { deletionTimestamp: "2026-01-01T00:00:00Z" } as Partial<NodeClaim["metadata"]>)), "Deleting");
  });

  it("redraws in place on a terminal, and prints only changed lines elsewhere", () => {
    let tty = "";
    const t = new Screen((s) => (tty += s), true);
    t.show(["a", "b"]);
    t.show(["a", "c"]);
    assert.equal(tty, "\x1b[2Ka\n\x1b[2Kb\n\x1b[J\x1b[2F\x1b[2Ka\n\x1b[2Kc\n\x1b[J");
    let pipe = "";
    const p = new Screen((s) => (pipe += s), false, () => "12:00:00");
    p.show(["a", "b"]);
    p.show(["a", "c"]);
    p.show(["a", "c"]);
    assert.equal(pipe, "12:00:00 a\n12:00:00 b\n12:00:00 c\n");
  });

  it("on a terminal, leaves exactly the notes and the latest screen, however notes and redraws interleave", () => {
    // The demo's first terminal run showed a stale half-frame: a line printed past the view, not
    // through it, shifted every later redraw. The terminal here is modelled for the codes Screen writes.
    const esc = String.fromCharCode(27);
    const codes = new RegExp(`${esc}\\[(\\d*)([FKJ])|\\n|[^${esc}\\n]+`, "g");
    const terminal: string[] = [];
    let row = 0;
    const write = (s: string) => {
      for (const m of s.matchAll(codes)) {
        if (m[0] === "\n") row++;
        else if (m[2] === "F") row = Math.max(0, row - Number(m[1] || 1));
        else if (m[2] === "K") terminal[row] = "";
        else if (m[2] === "J") terminal.length = row;
        else {
          // Text past the last column wraps onto the next row, as a terminal does.
          let text = m[0];
          for (;;) {
            const room = width - (terminal[row] ?? "").length;
            terminal[row] = (terminal[row] ?? "") + text.slice(0, room);
            if (text.length <= room) break;
            text = text.slice(room);
            row++;
          }
        }
      }
    };
    const width = 30;
    const screen = new Screen(write, true, undefined, () => width);
    screen.note("starting");
    screen.show(["pods 0 running", "NODECLAIM", "pending: 3"]);
    screen.note("registered Node n1");
    screen.show(["pods 3 running", "NODECLAIM", "c1 Ready"]);
    screen.show(["pods 3 running", "NODECLAIM"]);
    screen.note("all 3 pods running");
    screen.show(["pods 3 running", "pending: 1 pod; tenon: no instance type has 1000 cpu", "c1 Ready"]);
    screen.show(["pods 3 running", "NODECLAIM", "c1 Ready", "disruption: c1 Empty"]);
    assert.deepEqual(terminal.slice(0, row), ["starting", "registered Node n1", "all 3 pods running", "pods 3 running", "NODECLAIM", "c1 Ready", "disruption: c1 Empty"]);
    screen.show(["pending: 1 pod; tenon: no instance type has 1000 cpu"]);
    assert.deepEqual(terminal.slice(3, row), ["pending: 1 pod; tenon: no in…"]);
  });
});
