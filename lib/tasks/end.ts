import type { HeldPermit } from '../permit-store.js';
import type { Outcome } from '../store.js';
import { isReady, type Task } from '../task.js';
import type { EndedStatus } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';
import { passOn } from './parking.js';
import { settleWorkflowTask } from './workflow-settle.js';
import { publishChange } from './publish.js';
import { expirePayloads } from '../payloads/claim-check.js';

/**
 * How a task (or one attempt of it) ends:
 * - `attempt`: the run holding the claim records its outcome (fenced on the attempt
 *   number, so a run that lost its lease writes nothing). A RETRY outcome ends only the
 *   attempt: the task keeps its lock and waits for the next one. The run's `permit` (a
 *   per-key concurrency limit's, docs/limits.md) is given back either way: the run is over.
 *   `traceparent` is the run's own span, which its metric line carries (lib/metrics.ts).
 * - `idle`: a task no live run holds (QUEUED, RETRY, or STARTED with an expired lease)
 *   ends REVOKED or FAILURE — revoked, expired, dead-lettered, or given up by the reconciler.
 * - `waiting`: a WAITING task ends without a run (revoked, its chain or chord failed), or a
 *   parent with its continuation's outcome (docs/workflows.md).
 */
export type TaskEnd =
  | { attempt: number; outcome: Outcome; permit?: HeldPermit; traceparent?: string }
  | { idle: 'REVOKED' | 'FAILURE'; reason: string; deadLettered?: boolean }
  | { waiting: Outcome & { status: EndedStatus } };

/** The store's conditional write for an end. */
function recordEnd(deps: Pick<TaskDeps, 'store' | 'clock'>, id: string, end: TaskEnd) {
  const { store } = deps;
  if ('outcome' in end) return store.finishTask(id, end.attempt, end.outcome);
  if ('waiting' in end) return store.endWaiting(id, end.waiting);
  return store.endIdle(id, {
    status: end.idle,
    time: deps.clock(),
    reason: end.reason,
    deadLettered: end.deadLettered,
  });
}

/**
 * End a task: record how it ended with the store's conditional write and give the run's
 * permit back (written or not); then, once the write is done, in this order: if the task is
 * now ready, release its non-overlap lock and tag its payloads to expire
 * (lib/payloads/claim-check.ts); count the end (`deps.metrics`: lib/metrics.ts); send its
 * task event (marked in the outbox by the write: lib/tasks/publish.ts); if ready, let its
 * workflow know (lib/tasks/workflow-settle.ts: the join's count, a chain's next step, a chord's
 * callback). The one place those rules live ("a task that ends releases its lock", "a workflow
 * hears of each end"); the consumer, revoke and the reconciler all end tasks here.
 *
 * Returns the task as recorded, or undefined when the condition failed (the claim was
 * lost, or the task was not idle or not WAITING): then nothing was written and the lock is
 * untouched. Throws what the store throws; a workflow step that throws after the end was
 * written is taken again by the next delivery of the task's message (`settleEnded`) or the
 * reconciler.
 */
export async function endTask(deps: TaskDeps, id: string, end: TaskEnd): Promise<Task | undefined> {
  const ended = await recordEnd(deps, id, end);
  if ('permit' in end && end.permit) await releasePermit(deps, end.permit);
  if (!ended) return undefined;
  const ready = isReady(ended.status);
  if (ready && ended.lockId) await deps.store.releaseLock(ended.lockId, id);
  if (ready) await expirePayloads(deps, ended);
  const run = 'attempt' in end ? end : undefined;
  deps.metrics?.ended(ended, run?.outcome, run?.traceparent);
  await publishChange(deps, ended);
  if (ready) await settleWorkflowTask(deps, ended, endTask);
  return ended;
}

/** Take the workflow steps of a task that is ready again (a redelivery, the reconciler): they are idempotent. */
export const settleEnded = (deps: TaskDeps, task: Task) => settleWorkflowTask(deps, task, endTask);

/**
 * Give a run's permit back: it is passed on to the oldest task parked for a permit of its key,
 * which is released, or else freed (lib/tasks/parking.ts `passOn`). A failure is let go: the
 * permit lapses with its lease, as a crashed run's does (the run is over either way), and the
 * reconciler's sweep of parked tasks finds the key with a free permit.
 */
export async function releasePermit(deps: TaskDeps, permit: HeldPermit): Promise<void> {
  await passOn(deps, permit, endTask).catch((err) =>
    deps.logger.warn({ err, key: permit.key }, 'a permit was not given back or passed on: it lapses with its lease'),
  );
}
