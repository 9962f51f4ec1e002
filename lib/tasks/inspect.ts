import { sleep } from '../concurrency.js';
import { TaskNotFoundError, WaitTimeoutError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { TaskPage, TaskQuery } from '../store.js';
import { isReady, type Task } from '../task.js';
import { DEFAULT_QUEUE } from '../job-queue.js';
import type { Priority } from '../priority.js';
import type { QueueDepth } from '../queue.js';
import { isRoutedQueue } from '../routed-queue.js';
import type { TaskDeps } from './deps.js';

/** What the queue holds now (approximate, as SQS counts): the sums, and each routed queue's lanes. */
export interface QueueStats {
  queued: number;
  delayed: number;
  inFlight: number;
  deadLetters: number;
  /**
   * Per routed queue (docs/routing.md): each lane's depth and the queue's dead letters. Without
   * routed queues, the one queue as `default`, its one lane as `default`.
   */
  queues: { queue: string; lanes: Partial<Record<Priority, QueueDepth>>; deadLetters: number }[];
}

/** `get_tasks`: tasks by ids, job, status and parent, newest first, `LIMITS.defaultListLimit` a page by default. */
export function getTasks(deps: Pick<TaskDeps, 'store'>, query: Partial<TaskQuery>): Promise<TaskPage> {
  return deps.store.queryTasks({ ...query, limit: query.limit ?? LIMITS.defaultListLimit });
}

/**
 * `wait_for_task`: resolve with the task once it is ready, polling the store with a
 * backoff from 50 ms to 1 s. Throws TaskNotFoundError for an unknown id, and
 * WaitTimeoutError (carrying the task as it is) after `timeout` seconds or on abort.
 */
export async function waitForTask(
  deps: Pick<TaskDeps, 'store'>,
  id: string,
  timeout: number,
  signal?: AbortSignal,
): Promise<Task> {
  const deadline = Date.now() + timeout * 1000;
  let pause = 50;
  for (;;) {
    const task = await deps.store.getTask(id);
    if (!task) throw new TaskNotFoundError(id);
    if (isReady(task.status)) return task;
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) throw new WaitTimeoutError(task);
    await sleep(Math.min(pause, left), signal);
    pause = Math.min(1000, pause * 1.5);
  }
}

/** `queue_stats`: queue depth, messages in flight and dead letters (approximate, as SQS counts), per routed queue too. */
export async function queueStats(deps: Pick<TaskDeps, 'queue'>): Promise<QueueStats> {
  const { queue } = deps;
  if (isRoutedQueue(queue)) {
    const queues = await queue.stats();
    const depth = (d: Partial<QueueDepth>[]) => ({
      queued: d.reduce((a, x) => a + (x.queued ?? 0), 0),
      delayed: d.reduce((a, x) => a + (x.delayed ?? 0), 0),
      inFlight: d.reduce((a, x) => a + (x.inFlight ?? 0), 0),
    });
    const deadLetters = queues.reduce((a, q) => a + q.deadLetters, 0);
    return { ...depth(queues.flatMap((q) => Object.values(q.lanes))), deadLetters, queues };
  }
  const [depth, deadLetters] = await Promise.all([queue.depth(), queue.deadLetterCount()]);
  return { ...depth, deadLetters, queues: [{ queue: DEFAULT_QUEUE, lanes: { default: depth }, deadLetters }] };
}
