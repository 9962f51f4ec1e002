/**
 * Task priorities. Each routed queue (lib/job-queue.ts) is three SQS queues, its **lanes**:
 * one per priority. A task's message goes to the lane of its priority; what that buys on
 * AWS and locally differs, and docs/routing.md says exactly how:
 *
 * - on AWS each lane has its own event source mapping on the queue's consumer function: a
 *   high task never waits behind a low backlog (it is on another queue, polled by other
 *   pollers), and the low lane's maximum concurrency is capped (`lowMaxConcurrency`), so a
 *   low flood cannot take the function's capacity;
 * - locally one poller per routed queue receives from its lanes in the order `laneOrder`
 *   gives, which is weighted, not strict: low keeps its share under a steady high load.
 */
import { ValidationError } from './errors.js';

export const PRIORITIES = ['high', 'default', 'low'] as const;
/** A task's priority: `high`, `default` or `low`. */
export type Priority = (typeof PRIORITIES)[number];

/** The priority of a task queued with none, of a job declaring none. */
export const DEFAULT_PRIORITY: Priority = 'default';

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

/**
 * A priority from outside (a `queue_task` param, a job's option): throws ValidationError
 * (→ JSON-RPC -32602) naming `what` unless it is one of `PRIORITIES`.
 */
export function checkPriority(value: unknown, what = 'priority'): Priority {
  if (!isPriority(value)) throw new ValidationError(`${what} must be one of ${PRIORITIES.join(', ')}`);
  return value;
}

/**
 * The local poller's receive order, one row per receive, cycling: in every 5 receives 3 try
 * the high lane first, 1 the default lane first, 1 the low lane first; a lane with nothing
 * to receive falls through to the next of its row. So, with every lane loaded, high gets
 * 3/5 of the receives, default and low 1/5 each; a lane with messages gets at least 1
 * receive in 5 (20 %) whatever the others hold; and no two receives in a row start with a
 * lane below high (a high task waits at most one receive).
 */
export const LANE_SCHEDULE: readonly (readonly Priority[])[] = [
  ['high', 'default', 'low'],
  ['high', 'default', 'low'],
  ['default', 'high', 'low'],
  ['high', 'default', 'low'],
  ['low', 'default', 'high'],
];

/** The lanes' order for the `turn`th receive (0, 1, 2…): a row of `LANE_SCHEDULE`. */
export function laneOrder(turn: number): readonly Priority[] {
  return LANE_SCHEDULE[turn % LANE_SCHEDULE.length];
}
