import type { EventPublisher } from '../event-publisher.js';
import type { Logger } from '../log.js';
import type { TaskQueue } from '../queue.js';
import type { JobRegistry } from '../registry.js';
import type { TaskStore } from '../store.js';
import type { TaskTimer } from '../timer.js';
import type { PayloadStore } from '../payload-store.js';
import { LIMITS } from '../limits.js';
import type { TaskMetrics } from '../metrics.js';

/** Epoch seconds, fractional (Pulsar's `time.time()`); tests pass a fake one. */
export type Clock = () => number;

/** The system clock, in epoch seconds. */
export const systemClock: Clock = () => Date.now() / 1000;

/**
 * What every task operation takes (lib/tasks/, lib/consumer/, lib/scheduler.ts): the three
 * ports, the registry, a logger and a clock. Operations are plain functions of these; the
 * runtime (lib/runtime.ts) builds one set for the Lambda handlers, the local stack and the
 * direct client alike.
 */
export interface TaskDeps {
  store: TaskStore;
  queue: TaskQueue;
  registry: JobRegistry;
  logger: Logger;
  clock: Clock;
  /** Sends the messages of tasks due beyond `maxQueueDelay`; without one such tasks are refused. */
  timer?: TaskTimer;
  /** Seconds the queue itself can delay a message (SQS DelaySeconds: 900). */
  maxQueueDelay: number;
  /** Sends task events (docs/events.md); without one no job's tasks send any. */
  events?: EventPublisher;
  /** Where starts and ends of tasks are counted (EMF lines: lib/metrics.ts); none: not counted. */
  metrics?: TaskMetrics;
  /** Keeps kwargs and results over the item budget (lib/payloads/); without one they are refused over it. */
  payloads?: PayloadStore;
}

/** `TaskDeps` with the clock and the queue delay left to their defaults. */
export type TaskDepsInput = Omit<TaskDeps, 'clock' | 'maxQueueDelay'> &
  Partial<Pick<TaskDeps, 'clock' | 'maxQueueDelay'>>;

/** Fill in the defaults: the system clock, SQS's 900 s delay. */
export function taskDeps(input: TaskDepsInput): TaskDeps {
  return { ...input, clock: input.clock ?? systemClock, maxQueueDelay: input.maxQueueDelay ?? LIMITS.maxDelaySeconds };
}
