// Pure: the EventBridge events an interruption queue carries, parsed into what the interruption
// controller acts on. The event families and their kinds are Karpenter's (AWS provider), so the
// `message_type` label of karpenter_interruption_received_messages_total reads the same:
//
//   aws.ec2    EC2 Spot Instance Interruption Warning                  → spot_interrupted
//   aws.ec2    EC2 Instance Rebalance Recommendation                   → rebalance_recommendation
//   aws.health AWS Health Event (service EC2, category scheduledChange) → scheduled_change
//   aws.ec2    EC2 Instance State-change Notification                  → instance_stopped (stopping, stopped)
//                                                                         instance_terminated (shutting-down, terminated)
//   aws.ec2    EC2 Capacity Reservation Instance Interruption Warning  → capacity_reservation_interrupted
//
// Any other well-formed event (another source, detail type, Health service or instance state) is
// a no_op. A body that is not JSON, or an event of a known type whose detail lacks the instance,
// is malformed: both are deleted from the queue by the controller, never retried.
import { z } from "zod";

export const InterruptionKinds = [
  "spot_interrupted",
  "rebalance_recommendation",
  "scheduled_change",
  "instance_stopped",
  "instance_terminated",
  "capacity_reservation_interrupted",
  "no_op",
] as const;
export type InterruptionKind = (typeof InterruptionKinds)[number];

export interface InterruptionMessage {
  kind: InterruptionKind;
  /** The EC2 instances the event is about (none for a no_op). */
  instanceIDs: string[];
  /** When the event happened (the envelope's `time`), ms since epoch; undefined when absent or unreadable. */
  time?: number;
  /** The envelope's id, for logs. */
  id?: string;
  /** The envelope's source and detail-type, for logs of no_op events. */
  source?: string;
  detailType?: string;
}

export type ParseResult = { ok: true; message: InterruptionMessage } | { ok: false; error: string };

// The EventBridge envelope: only what routing needs is required.
const Envelope = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  "detail-type": z.string().optional(),
  source: z.string().optional(),
  time: z.string().optional(),
  detail: z.unknown().optional(),
});

const instanceID = z.string().trim().min(1, "must name the instance");
const InstanceDetail = z.object({ "instance-id": instanceID });
const StateChangeDetail = z.object({ "instance-id": instanceID, state: z.string() });
const HealthDetail = z.object({
  service: z.string().optional(),
  eventTypeCategory: z.string().optional(),
  affectedEntities: z.array(z.object({ entityValue: z.string().optional() })).optional(),
});

const stoppedStates = new Set(["stopping", "stopped"]);
const terminatedStates = new Set(["shutting-down", "terminated"]);

type Handler = (detail: unknown) => { kind: InterruptionKind; instanceIDs: string[] } | { error: string };

function byInstance(kind: InterruptionKind): Handler {
  return (detail) => {
    const d = InstanceDetail.safeParse(detail);
    if (!d.success) return { error: `detail.instance-id: ${d.error.issues[0]?.message ?? "missing"}` };
    return { kind, instanceIDs: [d.data["instance-id"]] };
  };
}

// Keyed by version, source and detail-type, as EventBridge schemas are named.
const handlers: Record<string, Handler> = {
  "0|aws.ec2|EC2 Spot Instance Interruption Warning": byInstance("spot_interrupted"),
  "0|aws.ec2|EC2 Instance Rebalance Recommendation": byInstance("rebalance_recommendation"),
  "0|aws.ec2|EC2 Capacity Reservation Instance Interruption Warning": byInstance("capacity_reservation_interrupted"),
  "0|aws.ec2|EC2 Instance State-change Notification": (detail) => {
    const d = StateChangeDetail.safeParse(detail);
    if (!d.success) return { error: `detail: ${d.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` };
    const state = d.data.state.toLowerCase();
    if (stoppedStates.has(state)) return { kind: "instance_stopped", instanceIDs: [d.data["instance-id"]] };
    if (terminatedStates.has(state)) return { kind: "instance_terminated", instanceIDs: [d.data["instance-id"]] };
    return { kind: "no_op", instanceIDs: [] };
  },
  "0|aws.health|AWS Health Event": (detail) => {
    const d = HealthDetail.safeParse(detail);
    if (!d.success) return { error: `detail: ${d.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` };
    // Only EC2's scheduled changes (maintenance, retirement) concern nodes.
    if (d.data.service !== "EC2" || d.data.eventTypeCategory !== "scheduledChange") return { kind: "no_op", instanceIDs: [] };
    const ids = (d.data.affectedEntities ?? []).map((e) => e.entityValue?.trim() ?? "").filter((v) => v !== "");
    return { kind: "scheduled_change", instanceIDs: ids };
  },
};

/** Parses one SQS message body. Never throws: a bad body is `{ ok: false }` with the reason. */
export function parseInterruptionMessage(body: string | undefined): ParseResult {
  if (body === undefined || body.trim() === "") return { ok: false, error: "the message has no body" };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, error: `the body is not JSON: ${(err as Error).message}` };
  }
  const env = Envelope.safeParse(json);
  if (!env.success) {
    const issue = env.error.issues[0];
    return { ok: false, error: `the body is not an EventBridge event: ${issue ? `${issue.path.join(".") || "(root)"} ${issue.message}` : "unreadable"}` };
  }
  const e = env.data;
  const time = e.time !== undefined ? Date.parse(e.time) : NaN;
  const base = {
    ...(Number.isFinite(time) ? { time } : {}),
    ...(e.id !== undefined ? { id: e.id } : {}),
    ...(e.source !== undefined ? { source: e.source } : {}),
    ...(e["detail-type"] !== undefined ? { detailType: e["detail-type"] } : {}),
  };
  const handler = handlers[`${e.version ?? ""}|${e.source ?? ""}|${e["detail-type"] ?? ""}`];
  if (!handler) return { ok: true, message: { ...base, kind: "no_op", instanceIDs: [] } };
  const out = handler(e.detail);
  if ("error" in out) return { ok: false, error: `${e["detail-type"]} event ${e.id ?? "(no id)"}: ${out.error}` };
  return { ok: true, message: { ...base, ...out } };
}
