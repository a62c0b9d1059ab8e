// Stale launch templates are garbage-collected against moto: a changed user data leaves the old
// template behind; once no launch has needed it for LAUNCH_TEMPLATE_IDLE_MS the node class's next
// resolution deletes it, while the template launches still use stays.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DescribeLaunchTemplatesCommand } from "@aws-sdk/client-ec2";
import { LAUNCH_TEMPLATE_IDLE_MS } from "../../src/cloudprovider/aws/launch/launchtemplates.js";
import { useMoto } from "../env/index.js";
import { nodeClaim, nodeClass, seed, testProvider, type TestProvider } from "./fixtures.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const m5 = { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] };

describe("launch template garbage collection (moto)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let now = Date.parse("2026-02-01T00:00:00Z");
  before(async () => {
    await seed(moto());
    t = testProvider(moto(), { clock: () => now });
  });
  const templates = async (nc: string) =>
    ((await t.clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:karpenter.k8s.aws/ec2nodeclass", Values: [nc] }] }))).LaunchTemplates ?? []).map((l) => l.LaunchTemplateName ?? "").sort();

  it("deletes the template no launch needs any more and keeps the one in use", async () => {
    await t.resolve(nodeClass("ltgc", { userData: "echo one" }));
    await t.provider.create(nodeClaim("ltgc-a", "ltgc", [m5, onDemand]));
    const [first] = await templates("ltgc");
    assert.ok(first);

    now += LAUNCH_TEMPLATE_IDLE_MS / 2;
    await t.resolve(nodeClass("ltgc", { userData: "echo two" }));
    await t.provider.create(nodeClaim("ltgc-b", "ltgc", [m5, onDemand]));
    const both = await templates("ltgc");
    assert.equal(both.length, 2, "the new user data made a second template");
    const second = both.find((n) => n !== first)!;

    now += LAUNCH_TEMPLATE_IDLE_MS / 2 + 1;
    await t.resolve(nodeClass("ltgc", { userData: "echo two" }));
    assert.deepEqual(await templates("ltgc"), [second], "the old template is gone, the one in use stays");

    // A launch after the collection still finds (or recreates) its template.
    now += LAUNCH_TEMPLATE_IDLE_MS;
    await t.resolve(nodeClass("ltgc", { userData: "echo two" }));
    assert.deepEqual(await templates("ltgc"), []);
    const c = await t.provider.create(nodeClaim("ltgc-c", "ltgc", [m5, onDemand]));
    assert.ok(c.status?.providerID);
    assert.deepEqual(await templates("ltgc"), [second]);
  });
});
