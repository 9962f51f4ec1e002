import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { encodeEnvelope } from './envelope.js';
import type { QueueDepth, ReceivedMessage, TaskQueue } from './queue.js';

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Where bodies that are no task message are put aside. */
  dlqUrl?: string;
}

/** The SQS adapter of the task queue. */
export function createSqsQueue({ client, queueUrl, dlqUrl }: SqsQueueOptions): TaskQueue {
  const requireDlq = () => {
    if (!dlqUrl) throw new Error('no dead-letter queue configured (SKYTASK_DLQ_URL)');
    return dlqUrl;
  };

  async function receive(
    url: string,
    max: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
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

  async function deleteMessages(url: string, receiptHandles: string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += 10) {
      const batch = receiptHandles.slice(i, i + 10);
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle })),
        }),
      );
    }
  }

  return {
    async send(envelope, delaySeconds = 0) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: encodeEnvelope(envelope),
          DelaySeconds: delaySeconds > 0 ? Math.min(900, Math.ceil(delaySeconds)) : undefined,
        }),
      );
    },

    async sendBatch(items) {
      const errors: (Error | undefined)[] = new Array(items.length).fill(undefined);
      for (let i = 0; i < items.length; i += 10) {
        const group = items.slice(i, i + 10);
        try {
          const out = await client.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: group.map(({ envelope, delaySeconds = 0 }, n) => ({
                Id: String(n),
                MessageBody: encodeEnvelope(envelope),
                DelaySeconds: delaySeconds > 0 ? Math.min(900, Math.ceil(delaySeconds)) : undefined,
              })),
            }),
          );
          // SendMessageBatch answers 200 with a Failed list: a partial failure is per entry.
          for (const failed of out.Failed ?? []) {
            errors[i + Number(failed.Id)] = new Error(
              `${failed.Code ?? 'SendFailed'}: ${failed.Message ?? 'not sent'}`,
            );
          }
        } catch (err) {
          for (let n = 0; n < group.length; n++) errors[i + n] = err as Error;
        }
      }
      return errors;
    },

    async changeVisibility(receiptHandle, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.ceil(seconds))),
        }),
      );
    },

    async deadLetter(body, reason) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: requireDlq(),
          MessageBody: body,
          MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
        }),
      );
    },

    async depth(): Promise<QueueDepth> {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesDelayed',
            'ApproximateNumberOfMessagesNotVisible',
          ],
        }),
      );
      const n = (name: string) => Number(Attributes[name as keyof typeof Attributes] ?? 0);
      return {
        queued: n('ApproximateNumberOfMessages'),
        delayed: n('ApproximateNumberOfMessagesDelayed'),
        inFlight: n('ApproximateNumberOfMessagesNotVisible'),
      };
    },

    async deadLetterCount() {
      if (!dlqUrl) return 0;
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    },

    receive: (max, waitSeconds, signal) => receive(queueUrl, max, waitSeconds, signal),
    deleteMessages: (receiptHandles) => deleteMessages(queueUrl, receiptHandles),
    receiveDeadLetters: (max) => receive(requireDlq(), max, 0),
    deleteDeadLetters: (receiptHandles) => deleteMessages(requireDlq(), receiptHandles),

    async purge() {
      await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    },
  };
}
