import type { Outcome } from '../store.js';
import { isReady, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { expirePayloads } from '../payloads/claim-check.js';

/**
 * How a task (or one attempt of it) ends:
 * - `attempt`: the run holding the claim records its outcome (fenced on the attempt
 *   number, so a run that lost its lease writes nothing). A RETRY outcome ends only the
 *   attempt: the task keeps its lock and waits for the next one.
 * - `idle`: a task no live run holds (QUEUED, RETRY, or STARTED with an expired lease)
 *   ends REVOKED or FAILURE — revoked, expired, dead-lettered, or given up by the reconciler.
 */
export type TaskEnd =
  | { attempt: number; outcome: Outcome }
  | { idle: 'REVOKED' | 'FAILURE'; reason: string; deadLettered?: boolean };

/**
 * End a task: record how it ended with the store's conditional write, then, if it is now
 * ready, release its non-overlap lock. The one place that rule lives ("a task that ends
 * releases its lock"); the consumer, revoke and the reconciler all end tasks here.
 *
 * Returns the task as recorded, or undefined when the condition failed (the claim was
 * lost, or the task was not idle): then nothing was written and the lock is untouched.
 */
export async function endTask(
  deps: Pick<TaskDeps, 'store' | 'clock'> & Partial<Pick<TaskDeps, 'payloads' | 'logger'>>,
  id: string,
  end: TaskEnd,
): Promise<Task | undefined> {
  const { store } = deps;
  const ended =
    'outcome' in end
      ? await store.finishTask(id, end.attempt, end.outcome)
      : await store.endIdle(id, {
          status: end.idle,
          time: deps.clock(),
          reason: end.reason,
          deadLettered: end.deadLettered,
        });
  if (ended?.lockId && isReady(ended.status)) await store.releaseLock(ended.lockId, id);
  if (ended && isReady(ended.status)) await expirePayloads(deps, ended);
  return ended;
}
