import { sleep } from '../concurrency.js';
import { TaskNotFoundError, WaitTimeoutError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { TaskPage, TaskQuery } from '../store.js';
import { isReady, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';

/** What the queue holds now (approximate, as SQS counts). */
export interface QueueStats {
  queued: number;
  delayed: number;
  inFlight: number;
  deadLetters: number;
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

/** `queue_stats`: queue depth, messages in flight and dead letters (approximate, as SQS counts). */
export async function queueStats(deps: Pick<TaskDeps, 'queue'>): Promise<QueueStats> {
  const [depth, deadLetters] = await Promise.all([deps.queue.depth(), deps.queue.deadLetterCount()]);
  return { ...depth, deadLetters };
}
