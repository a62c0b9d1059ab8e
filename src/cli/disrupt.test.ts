import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { nodePoolAllowed } from "../disruption/index.js";
import { simulateDisruption } from "./disrupt.js";
import { classifyManifests } from "./manifests/classify.js";
import { type Manifest, parseDocuments } from "./manifests/documents.js";

const dir = fileURLToPath(new URL("../../examples/sleep-window/", import.meta.url));
const manifests: Manifest[] = ["nodepools.yaml", "snapshot.yaml"].flatMap((f) => parseDocuments({ source: f, text: readFileSync(`${dir}${f}`, "utf8") }));
const at = (iso: string) => Date.parse(iso);

describe("tenon simulate --disruption", () => {
  it("drains a sleeping pool within its budget and says which node stays and why (examples/sleep-window)", () => {
    // Monday 22:00 in Paris: batch is asleep.
    const { json, output } = simulateDisruption(manifests, { region: "us-east-1", now: at("2026-01-05T21:00:00Z") });
    assert.equal(json.command?.method, "sleep");
    assert.equal(json.command?.decision, "delete");
    assert.deepEqual(json.command?.nodes.map((n) => n.name).sort(), ["ip-10-0-1-11.ec2.internal", "ip-10-0-1-12.ec2.internal"], "half of the pool at a time");
    const kept = json.leftAlone.find((e) => e.node === "ip-10-0-1-13.ec2.internal")!;
    assert.equal(kept.kind, "PodDoNotDisrupt");
    assert.match(kept.reason, /left alone while NodePool "batch" is asleep until 2026-01-06 08:00 Europe\/Paris .*default\/report-run-42/);
    assert.ok(json.options.some((o) => o.method === "single" && o.nodes[0]!.nodePool === "web"), "web is consolidated as usual");
    assert.match(output, /^Disruption plan at 2026-01-05T21:00:00.000Z\n\nFirst command \(what the controller would do now\):\nMETHOD +DECISION +NODES/);
    assert.match(output, /Nodes left alone \(\d+\):/);
    const batch = classifyManifests(manifests.filter((m) => m.object.kind !== "PodDisruptionBudget")).nodePools.find((p) => p.metadata.name === "batch")!;
    assert.notEqual(nodePoolAllowed(batch, at("2026-01-05T21:00:00Z")), true);
    assert.equal(nodePoolAllowed(batch, at("2026-01-05T10:00:00Z")), true);
    assert.notEqual(nodePoolAllowed(batch, at("2026-01-10T12:00:00Z")), true, "asleep over the weekend");
  });

  it("consolidates the pools as usual in the daytime, as JSON", () => {
    const { json, output } = simulateDisruption(manifests, { region: "us-east-1", now: at("2026-01-05T10:00:00Z"), output: "json" });
    assert.ok(json.command);
    assert.notEqual(json.command.method, "sleep");
    const all = [json.command, ...json.options];
    assert.ok(!all.some((c) => c.nodes.some((n) => n.name === "ip-10-0-1-13.ec2.internal")), "the node running a do-not-disrupt pod stays");
    assert.ok(json.savingsPerHour > 0);
    assert.deepEqual(JSON.parse(output), json);
  });
});
