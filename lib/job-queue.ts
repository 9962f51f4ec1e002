/**
 * Routed queues: where a job's tasks run. Every job runs on the `default` queue unless it
 * names another (`defineJob({ queue })`), declared once with `defineQueue` in the jobs
 * module and shared by every job that names it. On AWS each routed queue is its own SQS
 * queues (one lane per priority, lib/priority.ts), dead-letter queue, consumer function
 * (its own memory and timeout) and event source mappings (its own batch size and maximum
 * concurrency); locally, its own lanes and poller. docs/routing.md.
 */
import { RegistryError } from './errors.js';
import type { Job } from './job.js';

/** The queue of every job that names none: sized by the construct's props (consumerTimeout…). */
export const DEFAULT_QUEUE = 'default';

/** What a routed queue's consumer is given. Seconds and MB; each absent one is the default queue's. */
export interface JobQueueOptions<N extends string = string> {
  /** 1–40 characters of `a-z 0-9 -`, starting with a letter; not `default`. Part of resource names. */
  name: N;
  /**
   * Seconds an invocation of the queue's consumer may run (the Lambda function timeout, at
   * most 900; locally what each batch of its poller may run). Its jobs' `timeLimit` must fit
   * in it less 3 s, and the lanes' visibility timeout is 6× it. @default the construct's `consumerTimeout`
   * (locally SKYTASK_CONSUMER_TIMEOUT)
   */
  timeout?: number;
  /** The consumer function's memory, in MB (128–10,240). @default the construct's `consumerMemorySize` */
  memorySize?: number;
  /** Messages per invocation (1–10,000; above 10 needs `maxBatchingWindow`). @default `concurrency` */
  batchSize?: number;
  /** Seconds the event source gathers messages before invoking (≤ 300). @default 0 */
  maxBatchingWindow?: number;
  /** Tasks one invocation runs at once (SKYTASK_CONCURRENCY; locally the poller's messages in flight). @default the construct's `concurrency` */
  concurrency?: number;
  /**
   * Concurrent invocations each of the high and default lanes' event sources may start
   * (2–1000). @default the construct's `maxConcurrency`
   */
  maxConcurrency?: number;
  /**
   * Concurrent invocations the low lane's event source may start (2–1000): the share of the
   * function a low backlog can take. @default max(2, ⌈maxConcurrency / 4⌉)
   */
  lowMaxConcurrency?: number;
}

/** A routed queue, as `defineQueue` returns it. */
export interface JobQueue<N extends string = string> extends Readonly<JobQueueOptions<N>> {
  readonly [QUEUE]: true;
}

const QUEUE = Symbol.for('skytask.queue');
const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Declare a routed queue, once; jobs name it with `queue`. Throws RegistryError for a bad
 * name or a setting that is not a positive number (the ranges AWS allows are checked by the
 * construct at synth).
 *
 * @example
 * export const reports = defineQueue({ name: 'reports', timeout: 900, memorySize: 2048, batchSize: 1 });
 * export const monthly = defineJob({ name: 'monthly', queue: reports, timeLimit: 600, run: … });
 * export const webhook = defineJob({ name: 'webhook', queue: defineQueue({ name: 'hooks', timeout: 10 }), run: … });
 */
export function defineQueue<N extends string>(options: JobQueueOptions<N>): JobQueue<N> {
  if (typeof options.name !== 'string' || !NAME.test(options.name) || options.name === DEFAULT_QUEUE) {
    throw new RegistryError(
      `queue name "${options.name}" must be 1-40 characters of a-z 0-9 -, starting with a letter, and not "${DEFAULT_QUEUE}"`,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (key !== 'name' && value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new RegistryError(`queue "${options.name}": ${key} must be a number ≥ 0`);
    }
  }
  return Object.freeze({ ...options, [QUEUE]: true as const });
}

export function isJobQueue(value: unknown): value is JobQueue {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[QUEUE] === true;
}

/** The name of the queue a job's tasks run on. */
export function queueNameOf(job: Pick<Job, 'queue'> | undefined): string {
  const queue = job?.queue;
  if (queue === undefined) return DEFAULT_QUEUE;
  return typeof queue === 'string' ? queue : queue.name;
}

/**
 * The routed queues of a jobs module, by name, sorted (the default queue is not one): those
 * exported and those its jobs name. Throws RegistryError when two declarations share a name
 * with other settings, or a job names by string a queue nothing declares.
 */
export function routedQueues(jobs: readonly Job[], exported: readonly JobQueue[]): JobQueue[] {
  const byName = new Map<string, JobQueue>();
  const add = (queue: JobQueue) => {
    const known = byName.get(queue.name);
    if (known && known !== queue && JSON.stringify(known) !== JSON.stringify(queue)) {
      throw new RegistryError(`two queues are named "${queue.name}" with different settings: declare it once`);
    }
    byName.set(queue.name, known ?? queue);
  };
  exported.forEach(add);
  for (const job of jobs) if (isJobQueue(job.queue)) add(job.queue);
  for (const job of jobs) {
    const name = queueNameOf(job);
    if (name !== DEFAULT_QUEUE && !byName.has(name)) {
      throw new RegistryError(`job "${job.name}" names queue "${name}", which no defineQueue declares`);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
