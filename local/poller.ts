import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger, ReceivedMessage, TaskQueue } from '../lib/index.js';
import { laneOrder, type Priority } from '../lib/priority.js';
import { SETTINGS } from '../lib/settings.js';

/** One SQS queue a poller receives from: a lane of its routed queue (docs/routing.md). */
export interface PollerLane {
  priority: Priority;
  /** The lane's own queue (a `Lane`'s port: raw receipt handles, as an event source has them). */
  queue: TaskQueue;
  /** The lane's ARN, the records' `eventSourceARN`: the consumer finds the lane by it. */
  queueArn: string;
}

export interface PollerOptions {
  /** The one queue, when there are no `lanes`. */
  queue?: TaskQueue;
  /**
   * A routed queue's lanes: each receive tries them in `laneOrder` (lib/priority.ts), and a
   * batch is the messages of one lane, as an event source mapping's is.
   */
  lanes?: PollerLane[];
  /** The Lambda consumer handler (functions/consumer.ts). */
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
  /** Messages in flight at most; more are fetched as slots free. */
  concurrency: number;
  logger: Logger;
  /** With `queue`: its ARN, the records' eventSourceARN. */
  queueArn?: string;
  /**
   * What `getRemainingTimeInMillis` starts from for each batch: the consumer function's
   * timeout (`SKYTASK_CONSUMER_TIMEOUT`), so that a batch here has the time it would have
   * on Lambda. @default 60 s, the construct's default `consumerTimeout`
   */
  timeoutSeconds?: number;
  /** Long-poll wait; stopping waits for the poll in progress. @default 2 */
  waitSeconds?: number;
}

function toRecord(message: ReceivedMessage, queueArn: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: message.attributes as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: message.md5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}

function lambdaContext(timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const id = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'skytask-consumer-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:skytask-consumer-local',
    memoryLimitInMB: '1024',
    awsRequestId: id,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What one receive brought: the messages of one lane. */
interface Received {
  lane: PollerLane;
  messages: ReceivedMessage[];
}

/**
 * One receive over lanes. One lane: a long poll, as an event source's. Several: a short poll
 * of each in the turn's order (lib/priority.ts `laneOrder`: weighted, higher lanes first),
 * the first that brings messages is the batch; when none does, a long poll of up to a second
 * of the order's first lane (so an idle poller waits there, and a message on another lane
 * waits at most about a second).
 */
function laneReceiver(lanes: PollerLane[], waitSeconds: number) {
  let turn = 0;
  return async (max: number): Promise<Received> => {
    if (lanes.length === 1) return { lane: lanes[0], messages: await lanes[0].queue.receive(max, waitSeconds) };
    const order = laneOrder(turn++);
    const ranked = [...lanes].sort((a, b) => order.indexOf(a.priority) - order.indexOf(b.priority));
    for (const lane of ranked) {
      const messages = await lane.queue.receive(max, 0);
      if (messages.length) return { lane, messages };
    }
    return { lane: ranked[0], messages: await ranked[0].queue.receive(max, Math.min(1, waitSeconds)) };
  };
}

/**
 * What Lambda's SQS event source mapping does, for the local stack: long-poll the queue,
 * hand batches to the same consumer handler as real `SQSEvent`s, delete the messages
 * the handler did not report as failed, leave the failed ones to reappear. At most
 * `concurrency` messages are in flight; more are fetched as slots free.
 */
export function startPoller(options: PollerOptions) {
  const { handler, concurrency, logger } = options;
  const lanes = options.lanes ?? [{ priority: 'default', queue: options.queue!, queueArn: options.queueArn! }];
  const receive = laneReceiver(lanes, options.waitSeconds ?? 2);
  let stopping = false;
  const batches = new Set<Promise<void>>();
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;

  async function runBatch({ lane, messages }: Received): Promise<void> {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, lane.queueArn)) };
    let failed: Set<string>;
    try {
      const response = await handler(event, lambdaContext(options.timeoutSeconds ?? SETTINGS.consumerTimeout.default));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      // Like Lambda: a handler that throws fails the whole batch; every message reappears.
      logger.error({ err }, 'consumer handler failed: the whole batch will be delivered again');
      return;
    }
    const done = messages.filter((m) => !failed.has(m.messageId)).map((m) => m.receiptHandle);
    if (done.length) await lane.queue.deleteMessages(done);
  }

  const loop = (async () => {
    while (!stopping) {
      const free = concurrency - inFlight;
      if (free <= 0) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        continue;
      }
      let received: Received;
      try {
        // Not aborted at a stop: an abandoned long poll still takes messages on the
        // server side, which would then stay hidden for a visibility timeout.
        received = await receive(Math.min(10, free));
      } catch (err) {
        if (stopping) break;
        logger.warn({ err }, 'receive failed; polling again in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      const { lane, messages } = received;
      if (!messages.length) continue;
      if (stopping) {
        // Received after the stop: hand them straight back.
        await Promise.all(messages.map((m) => lane.queue.changeVisibility(m.receiptHandle, 0).catch(() => undefined)));
        break;
      }
      inFlight += messages.length;
      const batch: Promise<void> = runBatch(received)
        .catch((err) => logger.error({ err }, 'could not delete handled messages'))
        .finally(() => {
          inFlight -= messages.length;
          batches.delete(batch);
          slotFreed?.();
        });
      batches.add(batch);
    }
  })();

  return {
    inFlight: () => inFlight,
    /** Stop polling; wait up to `graceSeconds` for running batches. True if they all ended. */
    async stop(graceSeconds: number = SETTINGS.graceSeconds.default): Promise<boolean> {
      stopping = true;
      slotFreed?.();
      await loop;
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        Promise.all(batches).then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceSeconds * 1000))),
      ]);
      clearTimeout(timer);
      return ended;
    },
  };
}

export type Poller = ReturnType<typeof startPoller>;
