/** The consumer's side of producer messages: a plain SQS message becomes a task (docs/client.md). */
import { utf8Bytes } from '../bytes.js';
import type { ProducerEnvelope } from '../envelope.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { Priority } from '../priority.js';
import type { ReceivedMessage } from '../queue.js';
import type { TaskDeps } from '../tasks/deps.js';
import { recordTask } from '../tasks/enqueue.js';
import { traceparentOfXRay } from '../trace.js';

/**
 * A producer message (the plain SQS wire format): write the task's record through the
 * same path as queue_task — kwargs cap, non-overlap, expiry counted from the send. An id
 * that exists for the same request is that task (a redelivery, or the same id sent twice):
 * the claim decides whether it still runs. False when there is nothing to run: bad kwargs,
 * or an id that exists for another request (dead-lettered with the reason, the task left
 * as it was), or an equal task holds the lock.
 */
export async function recordProducerTask(
  deps: TaskDeps,
  id: string,
  producer: ProducerEnvelope,
  message: ReceivedMessage,
  priority: Priority | undefined,
) {
  const sent = Number((message.attributes as Record<string, string>).SentTimestamp);
  const sentAt = Number.isFinite(sent) && sent > 0 ? Math.min(sent / 1000, deps.clock()) : undefined;
  try {
    // The producer's send: billed by the chunks of the message it sent (docs/cost.md).
    const origin = {
      sentAt,
      derivedId: producer.id === undefined ? id : undefined,
      sendBytes: utf8Bytes(message.body),
    };
    if (producer.badTraceparent !== undefined)
      deps.logger.warn(
        { task_id: id, job: producer.job, traceparent: producer.badTraceparent },
        'producer message: traceparent is not a W3C traceparent; the task is queued without it',
      );
    // The producer's trace: its envelope's, else the X-Ray header SQS sets from a traced sender.
    const traceparent = producer.traceparent ?? traceparentOfXRay((message.attributes as any).AWSTraceHeader);
    const options = { id: producer.id, caller: 'sqs', traceparent, priority };
    if (await recordTask(deps, producer.job, producer.kwargs, options, origin)) return true;
    deps.logger.info({ task_id: id, job: producer.job }, 'producer message not queued: an equal task is not finished');
    return false;
  } catch (err) {
    if (!(err instanceof ValidationError || err instanceof ConflictError)) throw err;
    deps.logger.error(
      { task_id: id, job: producer.job, reason: err.message },
      'producer message refused: dead-lettered',
    );
    await deps.queue.deadLetter(message.body, err.message);
    return false;
  }
}
