import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { encodeEnvelope } from '../envelope.js';
import type { QueueDepth, ReceivedMessage, TaskQueue } from '../queue.js';
import { normalizeDelay, normalizeMax, normalizeVisibility, sqsAttributes } from '../sqs-message.js';

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Where bodies that are no task message are put aside. */
  dlqUrl?: string;
}

/** SQS DelaySeconds: whole seconds, at most 900; 0 is left out. */
const delayOf = (seconds = 0) => normalizeDelay(seconds) || undefined;

async function receive(
  client: SQSClient,
  url: string,
  max: number,
  waitSeconds: number,
  signal?: AbortSignal,
): Promise<ReceivedMessage[]> {
  const out = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: normalizeMax(max),
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
    }),
    { abortSignal: signal },
  );
  return (out.Messages ?? []).map((m) => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: m.Attributes ?? {},
    md5OfBody: m.MD5OfBody,
  }));
}

/** Receipt handles in batch entries of 10 (`Id`: the index within the batch), each batch sent in turn. */
async function inBatchesOfTen(
  receiptHandles: string[],
  send: (entries: { Id: string; ReceiptHandle: string }[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < receiptHandles.length; i += 10) {
    await send(receiptHandles.slice(i, i + 10).map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle })));
  }
}

const deleteMessages = (client: SQSClient, url: string, receiptHandles: string[]) =>
  inBatchesOfTen(receiptHandles, (Entries) => client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries })));

/** ChangeMessageVisibilityBatch to 0: received messages visible again at once. */
const releaseMessages = (client: SQSClient, url: string, receiptHandles: string[]) =>
  inBatchesOfTen(receiptHandles, (entries) =>
    client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: entries.map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
      }),
    ),
  );

/** SendMessageBatch in groups of 10; one entry per item: undefined when sent, else its error. */
async function sendBatch(
  client: SQSClient,
  url: string,
  items: Parameters<TaskQueue['sendBatch']>[0],
): Promise<(Error | undefined)[]> {
  const errors: (Error | undefined)[] = new Array(items.length).fill(undefined);
  for (let i = 0; i < items.length; i += 10) {
    const group = items.slice(i, i + 10);
    try {
      const out = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: group.map(({ envelope, delaySeconds }, n) => ({
            Id: String(n),
            MessageBody: encodeEnvelope(envelope),
            DelaySeconds: delayOf(delaySeconds),
          })),
        }),
      );
      // SendMessageBatch answers 200 with a Failed list: a partial failure is per entry.
      for (const failed of out.Failed ?? []) {
        errors[i + Number(failed.Id)] = new Error(`${failed.Code ?? 'SendFailed'}: ${failed.Message ?? 'not sent'}`);
      }
    } catch (err) {
      for (let n = 0; n < group.length; n++) errors[i + n] = err as Error;
    }
  }
  return errors;
}

/** Approximate counts of a queue's messages, by attribute name. */
async function counts(client: SQSClient, url: string, names: string[]): Promise<Record<string, number>> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as never }),
  );
  return Object.fromEntries(names.map((name) => [name, Number(Attributes[name as keyof typeof Attributes] ?? 0)]));
}

async function depth(client: SQSClient, url: string): Promise<QueueDepth> {
  const n = await counts(client, url, [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesDelayed',
    'ApproximateNumberOfMessagesNotVisible',
  ]);
  return {
    queued: n.ApproximateNumberOfMessages,
    delayed: n.ApproximateNumberOfMessagesDelayed,
    inFlight: n.ApproximateNumberOfMessagesNotVisible,
  };
}

/** The SQS adapter of the task queue. */
export function createSqsQueue({ client, queueUrl, dlqUrl }: SqsQueueOptions): TaskQueue {
  const requireDlq = () => {
    if (!dlqUrl) throw new Error('no dead-letter queue configured (SKYTASK_DLQ_URL)');
    return dlqUrl;
  };
  const send = async (url: string, body: string, extra: object = {}) => {
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, ...extra }));
  };
  return {
    send: (envelope, delaySeconds) => send(queueUrl, encodeEnvelope(envelope), { DelaySeconds: delayOf(delaySeconds) }),
    sendBatch: (items) => sendBatch(client, queueUrl, items),
    async changeVisibility(receiptHandle, seconds) {
      const VisibilityTimeout = normalizeVisibility(seconds);
      await client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout }),
      );
    },
    deadLetter: (body, reason) => send(requireDlq(), body, { MessageAttributes: sqsAttributes(body, { reason }) }),
    depth: () => depth(client, queueUrl),
    async deadLetterCount() {
      if (!dlqUrl) return 0;
      const n = await counts(client, dlqUrl, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']);
      return n.ApproximateNumberOfMessages + n.ApproximateNumberOfMessagesNotVisible;
    },
    receive: (max, waitSeconds, signal) => receive(client, queueUrl, max, waitSeconds, signal),
    deleteMessages: (receiptHandles) => deleteMessages(client, queueUrl, receiptHandles),
    receiveDeadLetters: (max, waitSeconds = 0) => receive(client, requireDlq(), max, waitSeconds),
    deleteDeadLetters: (receiptHandles) => deleteMessages(client, requireDlq(), receiptHandles),
    releaseDeadLetters: (receiptHandles) => releaseMessages(client, requireDlq(), receiptHandles),
    async purge() {
      await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    },
  };
}
