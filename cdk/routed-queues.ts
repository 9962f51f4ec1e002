/**
 * Routed queues on AWS (docs/routing.md): for the `default` queue and each `defineQueue` of
 * the jobs module, one SQS queue per priority (its lanes), a dead-letter queue they share, a
 * consumer function sized by the queue's settings, and one event source mapping per lane
 * (the low lane's maximum concurrency capped). The default queue's default lane and
 * dead-letter queue are the construct's `queue` and `deadLetterQueue`, as without routing.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_QUEUE, type JobQueue } from '../lib/job-queue.js';
import { PRIORITIES, type Priority } from '../lib/priority.js';
import { LIMITS } from './defaults.js';
import type { Resolved } from './resolve-props.js';

/** A routed queue's consumer settings, each filled from the construct's props when the queue gives none. */
export interface RoutedQueueSettings {
  readonly name: string;
  readonly consumerTimeout: Duration;
  readonly consumerMemorySize: number;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  /** The high and default lanes' event sources. */
  readonly maxConcurrency: number;
  /** The low lane's event source. */
  readonly lowMaxConcurrency: number;
  readonly visibilityTimeout: Duration;
}

/** A routed queue's SQS queues. */
export interface RoutedQueueResources {
  readonly settings: RoutedQueueSettings;
  readonly lanes: Record<Priority, Queue>;
  readonly deadLetterQueue: Queue;
}

/**
 * The low lane's cap when the queue gives none: a quarter of the others', at least the 2 AWS
 * allows. With all three lanes busy, low then holds at least ⌈m/4⌉ / (2m + ⌈m/4⌉) ≥ 11 % of the
 * queue's invocations (docs/routing.md).
 */
export const lowCap = (maxConcurrency: number) => Math.max(2, Math.ceil(maxConcurrency / 4));

/**
 * The settings of the default queue (the props) and of each declared queue (its options,
 * else the props; its visibility timeout 6× its timeout), default first.
 */
export function routedQueueSettings(p: Resolved, queues: readonly JobQueue[]): RoutedQueueSettings[] {
  const base: RoutedQueueSettings = {
    name: DEFAULT_QUEUE,
    consumerTimeout: p.consumerTimeout,
    consumerMemorySize: p.consumerMemorySize,
    concurrency: p.concurrency,
    batchSize: p.batchSize,
    maxBatchingWindow: p.maxBatchingWindow,
    maxConcurrency: p.maxConcurrency,
    lowMaxConcurrency: p.lowMaxConcurrency ?? lowCap(p.maxConcurrency),
    visibilityTimeout: p.visibilityTimeout,
  };
  return [
    base,
    ...queues.map((q) => {
      const consumerTimeout = q.timeout !== undefined ? Duration.seconds(q.timeout) : p.consumerTimeout;
      const concurrency = q.concurrency ?? p.concurrency;
      const maxConcurrency = q.maxConcurrency ?? p.maxConcurrency;
      return {
        name: q.name,
        consumerTimeout,
        consumerMemorySize: q.memorySize ?? p.consumerMemorySize,
        concurrency,
        batchSize: q.batchSize ?? concurrency,
        maxBatchingWindow: Duration.seconds(q.maxBatchingWindow ?? 0),
        maxConcurrency,
        lowMaxConcurrency: q.lowMaxConcurrency ?? lowCap(maxConcurrency),
        visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * LIMITS.visibilityTimeoutFactor),
      };
    }),
  ];
}

/** `TaskQueue: <what>`, naming the prop for the default queue and the queue's option for a declared one. */
const label = (q: RoutedQueueSettings, prop: string, option: string) =>
  q.name === DEFAULT_QUEUE ? `TaskQueue: ${prop}` : `TaskQueue: queue "${q.name}": ${option}`;

const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/** A queue's settings that AWS would refuse, or that conflict, fail the synth naming the prop or option. */
export function checkQueueSettings(q: RoutedQueueSettings): void {
  const timeout = q.consumerTimeout.toSeconds();
  if (timeout > 900 || timeout < 1) {
    throw new Error(`${label(q, 'consumerTimeout', 'timeout')} is at most 15 minutes (Lambda)`);
  }
  if (q.visibilityTimeout.toSeconds() < LIMITS.visibilityTimeoutFactor * timeout) {
    throw new Error(
      `${label(q, 'visibilityTimeout', 'visibility timeout')} (${q.visibilityTimeout.toSeconds()} s) must be at least ` +
        `${LIMITS.visibilityTimeoutFactor}× consumerTimeout (${timeout} s), as AWS advises for SQS event sources`,
    );
  }
  if (q.batchSize > 10 && q.maxBatchingWindow.toSeconds() === 0) {
    throw new Error(
      `${label(q, 'a batchSize', 'a batchSize')} over 10 needs a maxBatchingWindow (SQS event source rule)`,
    );
  }
  if (!whole(q.batchSize, 1, 10_000) || q.maxBatchingWindow.toSeconds() > 300) {
    throw new Error(
      `${label(q, 'batchSize', 'batchSize')} is 1–10,000, maxBatchingWindow at most 300 s (SQS event source)`,
    );
  }
  if (!whole(q.maxConcurrency, 2, 1000) || !whole(q.lowMaxConcurrency, 2, 1000)) {
    throw new Error(
      `${label(q, 'maxConcurrency', 'maxConcurrency')} and lowMaxConcurrency are 2–1000 (SQS event source)`,
    );
  }
  if (!whole(q.consumerMemorySize, 128, 10_240)) {
    throw new Error(`${label(q, 'consumerMemorySize', 'memorySize')} is 128–10,240 MB (Lambda)`);
  }
}

/** An encrypted, TLS-only queue. */
const newQueue = (scope: Construct, id: string, extra: object = {}) =>
  new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, ...extra });

/**
 * The SQS queues of every routed queue: `defaults` are the default queue's default lane and
 * dead-letter queue (already made, under their old ids); its high and low lanes are
 * `QueueHigh`, `QueueLow`; a declared queue's are under a `Queue-<name>` scope.
 */
export function createRoutedQueues(
  scope: Construct,
  p: Pick<Resolved, 'queueRetentionPeriod' | 'maxReceiveCount' | 'deadLetterRetentionPeriod'>,
  settings: readonly RoutedQueueSettings[],
  defaults: { queue: Queue; deadLetterQueue: Queue },
): RoutedQueueResources[] {
  return settings.map((q) => {
    const isDefault = q.name === DEFAULT_QUEUE;
    const home = isDefault ? scope : new Construct(scope, `Queue-${q.name}`);
    const deadLetterQueue = isDefault
      ? defaults.deadLetterQueue
      : newQueue(home, 'DeadLetterQueue', { retentionPeriod: p.deadLetterRetentionPeriod });
    const lane = (priority: Priority) =>
      isDefault && priority === 'default'
        ? defaults.queue
        : newQueue(home, priority === 'default' ? 'Queue' : `Queue${priority === 'high' ? 'High' : 'Low'}`, {
            visibilityTimeout: q.visibilityTimeout,
            retentionPeriod: p.queueRetentionPeriod,
            deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: p.maxReceiveCount },
          });
    const lanes = Object.fromEntries(PRIORITIES.map((priority) => [priority, lane(priority)])) as Record<
      Priority,
      Queue
    >;
    return { settings: q, lanes, deadLetterQueue };
  });
}

/** SKYTASK_QUEUES: each routed queue's SQS queue names (lib/config.ts resolves them against SKYTASK_QUEUE_URL). */
export function queuesEnvironment(scope: Construct, routes: readonly RoutedQueueResources[]): string {
  const names = Object.fromEntries(
    routes.map((r) => [
      r.settings.name,
      { ...Object.fromEntries(PRIORITIES.map((p) => [p, r.lanes[p].queueName])), dlq: r.deadLetterQueue.queueName },
    ]),
  );
  return Stack.of(scope).toJsonString(names);
}

/** Every lane of every routed queue; with `deadLetters`, their dead-letter queues too. */
export function allQueues(routes: readonly RoutedQueueResources[], deadLetters = false): Queue[] {
  return routes.flatMap((r) => [...PRIORITIES.map((p) => r.lanes[p]), ...(deadLetters ? [r.deadLetterQueue] : [])]);
}

/** `actions` on every lane (and with `deadLetters`, every dead-letter queue): one statement. */
export function routesStatement(routes: readonly RoutedQueueResources[], actions: string[], deadLetters = false) {
  return new PolicyStatement({ actions, resources: allQueues(routes, deadLetters).map((q) => q.queueArn) });
}

/** `actions` on every routed queue's dead-letter queue. */
export function deadLettersStatement(routes: readonly RoutedQueueResources[], actions: string[]) {
  return new PolicyStatement({ actions, resources: routes.map((r) => r.deadLetterQueue.queueArn) });
}
