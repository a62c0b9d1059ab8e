// When the drift checks ask the cloud provider and when they believe it, on a driven clock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { FakeCloudProvider } from "../../cloudprovider/fake/index.js";
import type { DriftReason } from "../../cloudprovider/types.js";
import { managedNode, nodePool, standardTypes } from "../../../test/kit/disruption.js";
import type { ClusterState } from "../../state/cluster.js";
import { FakeClock } from "../runtime/clock.js";
import { DriftChecks } from "./driftchecks.js";
import { defaultDisruptionSettings } from "./settings.js";

const [type] = standardTypes([4]);

function setup() {
  const clock = new FakeClock();
  const cloud = new FakeCloudProvider({});
  const asked: string[] = [];
  let answer: DriftReason | Error | undefined;
  cloud.isDrifted = async (c: NodeClaim) => {
    asked.push(c.metadata.name ?? "");
    if (answer instanceof Error) throw answer;
    return answer;
  };
  let nodeClass = { metadata: { name: "default", generation: 1 }, status: { amis: [{ id: "ami-1" }] } } as unknown as EC2NodeClass;
  const state = { nodeClasses: { get: () => nodeClass } } as unknown as ClusterState;
  const checks = new DriftChecks({ state, cloudProvider: cloud, clock, logger: pino({ level: "silent" }) }, { ...defaultDisruptionSettings, pollingPeriodMs: 10_000, driftCheckTTLMs: 300_000 });
  return {
    clock,
    asked,
    checks,
    says: (a: DriftReason | Error | undefined) => void (answer = a),
    nodeClassResolvesTo: (ami: string) => void (nodeClass = { ...nodeClass, status: { amis: [{ id: ami }] } } as unknown as EC2NodeClass),
  };
}

const pool = nodePool("p");
const claim = (name: string, initialized = true) => managedNode(name, { pool, type: type!, initialized }).claim;

describe("DriftChecks", () => {
  it("asks only about initialized claims", async () => {
    const t = setup();
    t.says("SecurityGroupDrift");
    await t.checks.refresh([claim("young", false), claim("settled")]);
    assert.deepEqual(t.asked, ["settled"]);
  });

  it("believes drift only when a look a polling period later agrees, and looks again every period until it is gone", async () => {
    const t = setup();
    const c = claim("n");
    t.says("AMIDrift");
    assert.deepEqual([...(await t.checks.refresh([c]))], [], "one look: not yet");
    t.clock.advance(5_000);
    assert.deepEqual([...(await t.checks.refresh([c]))], [], "too soon to look again");
    assert.equal(t.asked.length, 1);
    t.clock.advance(5_000);
    assert.deepEqual([...(await t.checks.refresh([c]))], [["n", "AMIDrift"]], "a second look agrees");
    t.clock.advance(10_000);
    t.says(undefined);
    assert.deepEqual([...(await t.checks.refresh([c]))], [], "gone at the next look, not after the TTL");
    assert.equal(t.asked.length, 3);
  });

  it("does not believe one stale read: drifted, then not, then drifted starts over", async () => {
    const t = setup();
    const c = claim("n");
    t.says("SecurityGroupDrift");
    await t.checks.refresh([c]);
    t.clock.advance(10_000);
    t.says(undefined);
    await t.checks.refresh([c]);
    // A "not drifted" answer is asked again only after the TTL or a node class change.
    t.nodeClassResolvesTo("ami-2");
    t.says("AMIDrift");
    t.clock.advance(1_000);
    assert.deepEqual([...(await t.checks.refresh([c]))], [], "a new suspicion, not yet believed");
    assert.equal(t.asked.length, 3);
  });

  it("asks a not-drifted claim again after the TTL, or at once when its node class resolves to something else", async () => {
    const t = setup();
    const c = claim("n");
    await t.checks.refresh([c]);
    t.clock.advance(60_000);
    await t.checks.refresh([c]);
    assert.equal(t.asked.length, 1, "within the TTL, the answer stands");
    t.nodeClassResolvesTo("ami-2");
    await t.checks.refresh([c]);
    assert.equal(t.asked.length, 2, "the node class changed");
    t.clock.advance(300_000);
    await t.checks.refresh([c]);
    assert.equal(t.asked.length, 3, "the TTL passed");
  });

  it("keeps the last answer when a look fails", async () => {
    const t = setup();
    const c = claim("n");
    t.says("AMIDrift");
    await t.checks.refresh([c]);
    t.clock.advance(10_000);
    await t.checks.refresh([c]);
    t.clock.advance(10_000);
    t.says(new Error("cannot judge drift yet: EC2NodeClass is not ready"));
    assert.deepEqual([...(await t.checks.refresh([c]))], [["n", "AMIDrift"]]);
  });
});
