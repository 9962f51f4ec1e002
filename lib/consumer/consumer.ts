import { hostname } from 'node:os';
import { mapSettled } from '../concurrency.js';
import type { ReceivedMessage } from '../queue.js';
import { SETTINGS } from '../settings.js';
import { type TaskDepsInput, taskDeps } from '../tasks/deps.js';
import { batchInvocation, type Invocation } from './time-budget.js';
import { handleMessage } from './deliveries.js';

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
  /** Names this worker on the tasks it runs. @default the Lambda log stream, or host:pid */
  workerId?: string;
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
    workerId = process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? `${hostname()}:${process.pid}`,
  } = options;
  const running = new Set<string>();
  const context = { deps: taskDeps(options), leaseSeconds, maxReceiveCount, worker: { id: workerId, running } };
  return {
    handleMessage: (message, invocation) => handleMessage(context, message, invocation && batchInvocation(invocation)),
    handleBatch(messages, invocation) {
      // The batch shares one invocation's time: each message's fair run is judged against it.
      const batch = invocation && batchInvocation(invocation);
      return mapSettled(messages, concurrency, (m) => handleMessage(context, m, batch));
    },
    runningTasks: () => [...running],
    workerId,
    concurrency,
  };
}
