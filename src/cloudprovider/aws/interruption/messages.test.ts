import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseInterruptionMessage, type InterruptionKind } from "./messages.js";

const envelope = (source: string, detailType: string, detail: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: "0", id: "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": detailType, source, account: "123456789012", time: "2026-12-03T12:00:00Z", region: "us-west-2", resources: [], detail, ...extra });

const health = (service: string, category: string, ids: string[]) =>
  envelope("aws.health", "AWS Health Event", {
    eventArn: "arn:aws:health:us-west-2::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/x",
    service,
    eventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
    eventTypeCategory: category,
    affectedEntities: ids.map((entityValue) => ({ entityValue })),
  });

describe("parseInterruptionMessage", () => {
  const accepted: { name: string; body: string; kind: InterruptionKind; ids: string[] }[] = [
    { name: "spot interruption warning", body: envelope("aws.ec2", "EC2 Spot Instance Interruption Warning", { "instance-id": "i-0abc", "instance-action": "terminate" }), kind: "spot_interrupted", ids: ["i-0abc"] },
    { name: "rebalance recommendation", body: envelope("aws.ec2", "EC2 Instance Rebalance Recommendation", { "instance-id": "i-0abc" }), kind: "rebalance_recommendation", ids: ["i-0abc"] },
    { name: "capacity reservation interruption", body: envelope("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning", { "instance-id": "i-0abc", "instance-action": "terminate" }), kind: "capacity_reservation_interrupted", ids: ["i-0abc"] },
    { name: "state change: stopping", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1", state: "stopping" }), kind: "instance_stopped", ids: ["i-1"] },
    { name: "state change: stopped", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1", state: "stopped" }), kind: "instance_stopped", ids: ["i-1"] },
    { name: "state change: shutting-down", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1", state: "shutting-down" }), kind: "instance_terminated", ids: ["i-1"] },
    { name: "state change: terminated", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1", state: "terminated" }), kind: "instance_terminated", ids: ["i-1"] },
    { name: "state change: running is not acted on", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1", state: "running" }), kind: "no_op", ids: [] },
    { name: "state change: pending is not acted on", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1", state: "pending" }), kind: "no_op", ids: [] },
    { name: "scheduled change for several instances", body: health("EC2", "scheduledChange", ["i-1", "i-2"]), kind: "scheduled_change", ids: ["i-1", "i-2"] },
    { name: "health event of another service", body: health("RDS", "scheduledChange", ["db-1"]), kind: "no_op", ids: [] },
    { name: "health issue (not a scheduled change)", body: health("EC2", "issue", ["i-1"]), kind: "no_op", ids: [] },
    { name: "unknown detail type", body: envelope("aws.ec2", "EC2 Fleet Error", { "instance-id": "i-1" }), kind: "no_op", ids: [] },
    { name: "unknown source", body: envelope("my.app", "EC2 Spot Instance Interruption Warning", { "instance-id": "i-1" }), kind: "no_op", ids: [] },
    { name: "another schema version", body: envelope("aws.ec2", "EC2 Spot Instance Interruption Warning", { "instance-id": "i-1" }, { version: "1" }), kind: "no_op", ids: [] },
    { name: "a JSON object that is no event", body: JSON.stringify({ hello: "world" }), kind: "no_op", ids: [] },
  ];
  for (const c of accepted) {
    it(`reads a ${c.name}`, () => {
      const r = parseInterruptionMessage(c.body);
      assert.ok(r.ok, r.ok ? "" : r.error);
      assert.equal(r.message.kind, c.kind);
      assert.deepEqual(r.message.instanceIDs, c.ids);
    });
  }

  it("keeps the event's time, for the queue duration", () => {
    const r = parseInterruptionMessage(envelope("aws.ec2", "EC2 Instance Rebalance Recommendation", { "instance-id": "i-0abc" }));
    assert.ok(r.ok);
    assert.equal(r.message.time, Date.parse("2026-12-03T12:00:00Z"));
    assert.equal(r.message.id, "7bf73129-1428-4cd3-a780-95db273d1602");
  });

  const malformed: { name: string; body: string | undefined; error: RegExp }[] = [
    { name: "no body", body: undefined, error: /no body/ },
    { name: "an empty body", body: "  ", error: /no body/ },
    { name: "text that is not JSON", body: "garbage{", error: /not JSON/ },
    { name: "a JSON array", body: "[1,2]", error: /not an EventBridge event/ },
    { name: "a JSON string", body: '"hello"', error: /not an EventBridge event/ },
    { name: "a non-string detail-type", body: JSON.stringify({ version: "0", source: "aws.ec2", "detail-type": 7 }), error: /detail-type/ },
    { name: "a spot warning without an instance", body: envelope("aws.ec2", "EC2 Spot Instance Interruption Warning", { "instance-action": "terminate" }), error: /Spot Instance Interruption Warning event .*instance-id/ },
    { name: "a spot warning with an empty instance", body: envelope("aws.ec2", "EC2 Spot Instance Interruption Warning", { "instance-id": "" }), error: /instance-id: must name the instance/ },
    { name: "a state change without a state", body: envelope("aws.ec2", "EC2 Instance State-change Notification", { "instance-id": "i-1" }), error: /state/ },
    { name: "a health event whose entities are not a list", body: envelope("aws.health", "AWS Health Event", { service: "EC2", eventTypeCategory: "scheduledChange", affectedEntities: "i-1" }), error: /affectedEntities/ },
  ];
  for (const c of malformed) {
    it(`sets aside ${c.name} as malformed, with the reason`, () => {
      const r = parseInterruptionMessage(c.body);
      assert.equal(r.ok, false);
      assert.match(r.ok ? "" : r.error, c.error);
    });
  }
});
