import { hostname } from 'node:os';
import { mapSettled } from '../concurrency.js';
import type { ReceivedMessage } from '../queue.js';
import { isRoutedQueue } from '../routed-queue.js';
import { SETTINGS } from '../settings.js';
import { type TaskDepsInput, taskDeps } from '../tasks/deps.js';
import { cutBytes } from '../bytes.js';
import { decodeEnvelope } from '../envelope.js';
import { LIMITS, truncateBytes } from '../limits.js';
import { type Logger, messageLogger } from '../log.js';
import { type DeliveryContext, handleMessage } from './deliveries.js';
import { RetryLaterError } from './retry-later.js';
import { type BatchInvocation, batchInvocation, type Invocation } from './time-budget.js';
import { type DeliveredBatch, deliveredIn } from './usage.js';

/** The consumer's settings, beyond the ports it uses. */
export interface ConsumerSettings {
  /** Tasks run at once per batch (Pulsar's `concurrent_tasks`). @default 5 */
  concurrency?: number;
  /**
   * Seconds a claim is exclusive without a heartbeat. A running attempt extends it (and
   * its message's visibility) every third of it, so a job may run longer; a crashed run
   * is reclaimed once it lapses. Keep it shorter than the queue's visibility timeout: a
   * redelivery that finds a live lease is taken for a duplicate of a live run and dropped.
   * @default 60
   */
  leaseSeconds?: number;
  /** The queue's maxReceiveCount: the delivery after which a failing message is dead-lettered. @default 5 */
  maxReceiveCount?: number;
  /** Names this worker on the tasks it runs (cut to `LIMITS.workerBytes`). @default the Lambda log stream, or host:pid */
  workerId?: string;
  /** The function's memory, for the GB-seconds of a task's cost. @default AWS_LAMBDA_FUNCTION_MEMORY_SIZE (none off Lambda) */
  memoryMb?: number;
}

/** The consumer's options: the ports it uses (store, queue, registry, logger, clock, timer) and its settings. */
export type ConsumerOptions = TaskDepsInput & ConsumerSettings;

/**
 * The task consumer (Pulsar's TaskConsumer): turns delivered messages into at most one run
 * of each task at a time — claim before run, heartbeats while it runs, fenced finish,
 * lock released at the end (lib/consumer/deliveries.ts).
 */
export interface Consumer {
  /** Handle one message. Resolves when it can be deleted; rejects to have it delivered again. */
  handleMessage(message: ReceivedMessage, invocation?: Invocation): Promise<void>;
  /** Handle a batch, at most `concurrency` at once; settled results in order (a partial batch response). */
  handleBatch(messages: ReceivedMessage[], invocation?: Invocation): Promise<PromiseSettledResult<void>[]>;
  /** Ids of the tasks this consumer runs now. */
  runningTasks(): string[];
  readonly workerId: string;
  readonly concurrency: number;
}

/** The consumer over one set of ports. */
export function createConsumer(options: ConsumerOptions): Consumer {
  const {
    concurrency = SETTINGS.concurrency.default,
    leaseSeconds = SETTINGS.leaseSeconds.default,
    maxReceiveCount = SETTINGS.maxReceiveCount.default,
    memoryMb = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || undefined,
  } = options;
  const workerId = truncateBytes(
    options.workerId ?? process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? `${hostname()}:${process.pid}`,
    LIMITS.workerBytes,
  );
  const running = new Set<string>();
  const context: DeliveryContext = {
    deps: taskDeps(options),
    leaseSeconds,
    maxReceiveCount,
    worker: { id: workerId, running },
    memoryMb,
  };
  // Routed queues: each message marked with the lane its event source names (lib/routed-queue.ts).
  const { queue } = context.deps;
  const adopt = (m: ReceivedMessage) => (isRoutedQueue(queue) ? queue.adopt(m) : m);
  return {
    handleMessage: (message, invocation) =>
      handleLogged(context, adopt(message), invocation && batchInvocation(invocation), deliveredIn([message])),
    handleBatch(messages, invocation) {
      // The batch shares one invocation's time: each message's fair run is judged against it.
      const batch = invocation && batchInvocation(invocation);
      const delivered = deliveredIn(messages);
      return mapSettled(messages, concurrency, (m) => handleLogged(context, adopt(m), batch, delivered));
    },
    runningTasks: () => [...running],
    workerId,
    concurrency,
  };
}

/**
 * One message, its failures made visible: every rejection is logged with the task id when
 * the body names one (the partial-batch middleware runs with `logger: false`, and Lambda
 * logs nothing for a failed record); the last delivery of a failing message goes to
 * `lastDeliveryFailed`.
 */
async function handleLogged(
  c: DeliveryContext,
  message: ReceivedMessage,
  invocation: BatchInvocation | undefined,
  delivered: DeliveredBatch,
) {
  try {
    await handleMessage(c, message, invocation, delivered);
  } catch (err) {
    const receives = Number((message.attributes as Record<string, string>).ApproximateReceiveCount ?? 1);
    const log = messageLogger(c.deps.logger, message).child({ receives });
    if (receives >= c.maxReceiveCount) return lastDeliveryFailed(c, message, err, log);
    if (err instanceof RetryLaterError) log.debug({ reason: (err as Error).message }, 'message delivered again later');
    else log.error({ err }, 'message failed: it will be delivered again');
    throw err;
  }
}

/**
 * The last delivery failed: put the message on the dead-letter queue here, with the reason
 * as its attribute, rather than leave SQS's redrive policy to move it with none; resolves
 * once it is there (the message is then deleted). Two exceptions rethrow, and SQS moves the
 * message: the send failed, or the message is a producer message without an id, whose task
 * id derives from its SQS message id — which SQS's move keeps and a new send would not.
 * Either way the task's record, if any, says why (lib/consumer/deliveries.ts).
 */
async function lastDeliveryFailed(c: DeliveryContext, message: ReceivedMessage, err: unknown, log: Logger) {
  const receives = Number((message.attributes as Record<string, string>).ApproximateReceiveCount ?? 1);
  const reason = `dead-lettered after ${receives} deliveries: ${cutBytes((err as Error)?.message ?? String(err), 1000)}`;
  const decoded = decodeEnvelope(message.body);
  if ('producer' in decoded && decoded.producer && decoded.producer.id === undefined) {
    log.error({ err, reason }, "last delivery failed: SQS's redrive policy moves it (its task id is its message id)");
    throw err;
  }
  try {
    await c.deps.queue.deadLetter(message.body, reason);
  } catch (sendErr) {
    log.error({ err, send_err: sendErr }, 'last delivery failed, and its dead-letter send too: SQS will move it');
    throw err;
  }
  log.error({ err, reason }, 'last delivery failed: message dead-lettered with its reason');
}
