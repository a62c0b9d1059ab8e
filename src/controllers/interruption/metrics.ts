// Karpenter's karpenter_interruption_* metrics (same names, types and labels), plus one of tenon's
// own for the messages that were deleted without any action, by why.
import { Counter, Histogram, type Registry } from "prom-client";
import { durationBuckets, registry as processRegistry } from "../../operator/metrics.js";

export function createInterruptionMetrics(registry: Registry) {
  const registers = [registry];
  return {
    received: new Counter({
      name: "karpenter_interruption_received_messages_total",
      help: "Count of messages received from the SQS queue. Broken down by message type and whether the message was actionable.",
      labelNames: ["message_type"] as const,
      registers,
    }),
    deleted: new Counter({
      name: "karpenter_interruption_deleted_messages_total",
      help: "Count of messages deleted from the SQS queue.",
      registers,
    }),
    queueDuration: new Histogram({
      name: "karpenter_interruption_message_queue_duration_seconds",
      help: "Amount of time an interruption message is on the queue before it is processed by karpenter.",
      buckets: [...durationBuckets],
      registers,
    }),
    instanceStatusUnhealthy: new Counter({
      name: "karpenter_interruption_instance_status_unhealthy_total",
      help: "Count of unique unhealthy instance statuses detected from EC2 DescribeInstanceStatus. Broken down by status check category.",
      labelNames: ["category"] as const,
      registers,
    }),
    discarded: new Counter({
      name: "tenon_interruption_discarded_messages_total",
      help: "Interruption messages deleted without acting, by reason: malformed (unreadable), unowned (no NodeClaim of this cluster has the instance), no_op (an event kind tenon does not act on).",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
}

export type InterruptionMetrics = ReturnType<typeof createInterruptionMetrics>;

let processWide: InterruptionMetrics | undefined;
/** The process-wide interruption metrics on the registry /metrics serves, made on first use. */
export function interruptionMetrics(): InterruptionMetrics {
  processWide ??= createInterruptionMetrics(processRegistry);
  return processWide;
}
