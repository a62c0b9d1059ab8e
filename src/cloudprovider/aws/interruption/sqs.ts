// The interruption queue over SQS: its URL looked up once from the name (INTERRUPTION_QUEUE, as
// Karpenter takes it; a full queue URL is used as given), then long polls of up to ten messages
// and deletes by receipt handle. The visibility timeout hides a received message from further
// polls while it is handled; one that is not deleted (handling failed) comes back after it.
import { DeleteMessageCommand, GetQueueUrlCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

/** SQS's longest long poll, and Karpenter's. */
export const LONG_POLL_SECONDS = 20;
/** SQS's largest batch. */
export const MAX_MESSAGES = 10;
/** How long a received message stays hidden from other polls (Karpenter: 20 s). */
export const VISIBILITY_TIMEOUT_SECONDS = 20;

export interface QueueMessage {
  /** What DeleteMessage needs. */
  receiptHandle: string;
  messageID?: string;
  body?: string;
  /** When SQS accepted the message (its SentTimestamp attribute), ms since epoch. */
  sentAt?: number;
}

export interface InterruptionQueueOptions {
  client: Pick<SQSClient, "send">;
  /** A queue name, or a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
  queue: string;
  waitTimeSeconds?: number;
  visibilityTimeoutSeconds?: number;
}

export class InterruptionQueue {
  private url: string | undefined;

  constructor(private readonly o: InterruptionQueueOptions) {
    if (/^https?:\/\//.test(o.queue)) this.url = o.queue;
  }

  /** The queue's name, for logs (the last part of its URL). */
  get name(): string {
    return (this.url ?? this.o.queue).split("/").pop() ?? this.o.queue;
  }

  /** The queue's URL; looked up with GetQueueUrl the first time, then kept. */
  async queueURL(signal?: AbortSignal): Promise<string> {
    if (this.url) return this.url;
    const out = await this.o.client.send(new GetQueueUrlCommand({ QueueName: this.o.queue }), { abortSignal: signal });
    if (!out.QueueUrl) throw new Error(`SQS GetQueueUrl for interruption queue ${JSON.stringify(this.o.queue)} returned no URL`);
    this.url = out.QueueUrl;
    return this.url;
  }

  /** One long poll: resolves with up to ten messages, or none after the wait time. */
  async receive(signal?: AbortSignal): Promise<QueueMessage[]> {
    const QueueUrl = await this.queueURL(signal);
    const out = await this.o.client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: MAX_MESSAGES,
        WaitTimeSeconds: this.o.waitTimeSeconds ?? LONG_POLL_SECONDS,
        VisibilityTimeout: this.o.visibilityTimeoutSeconds ?? VISIBILITY_TIMEOUT_SECONDS,
        MessageSystemAttributeNames: ["SentTimestamp"],
      }),
      { abortSignal: signal },
    );
    return (out.Messages ?? []).flatMap((m) => (m.ReceiptHandle ? [toQueueMessage(m, m.ReceiptHandle)] : []));
  }

  async delete(message: Pick<QueueMessage, "receiptHandle">, signal?: AbortSignal): Promise<void> {
    const QueueUrl = await this.queueURL(signal);
    await this.o.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.receiptHandle }), { abortSignal: signal });
  }
}

function toQueueMessage(m: Message, receiptHandle: string): QueueMessage {
  const sent = Number(m.Attributes?.SentTimestamp);
  return {
    receiptHandle,
    ...(m.MessageId ? { messageID: m.MessageId } : {}),
    ...(m.Body !== undefined ? { body: m.Body } : {}),
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}),
  };
}

export function createSQSClient(s: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string }; maxAttempts?: number }): SQSClient {
  return new SQSClient({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
    maxAttempts: s.maxAttempts ?? 3,
  });
}
