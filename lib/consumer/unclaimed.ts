/**
 * A delivered message whose task could not be claimed (lib/consumer/claim-and-run.ts), or
 * would not be (a task of a job with per-key limits, read first): what the message is still for.
 */
import { type Task, expiredReason, isReady } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { endTask, settleEnded } from '../tasks/end.js';
import { eventsPending, publishPending } from '../tasks/publish.js';
import { sendTaskMessage } from '../tasks/send.js';
import { taskLogger } from '../log.js';
import { RetryLaterError } from './retry-later.js';

/** Whether the task's expiry has passed: an expiry at the due time itself (`expiry: 0`) has, even for an early delivery. */
export const isExpired = (task: Task, now: number) =>
  task.expiry !== undefined && task.expiry <= Math.max(now, task.eta ?? now);

/**
 * A task message (no `kwargs`) whose task has no record. The usual cause is legitimate — the
 * task was deleted (delete_tasks) or outlived its retention while its message waited — so
 * it is dropped, not dead-lettered; but a producer that left out `kwargs` sends exactly this
 * body, and it is told here what its message lacks. (A record never written and one
 * deleted look the same: DynamoDB keeps nothing of a deleted item.)
 */
const NO_RECORD =
  'task message for a task with no record: dropped (deleted, or past its retention); ' +
  'a producer message needs "kwargs" ({} for none) for the consumer to create its task';

/** A message whose task could not be claimed: decide what the message is still for. */
export async function unclaimed(deps: TaskDeps, id: string, job: string, task: Task | undefined, now: number) {
  if (!task) return void deps.logger.warn({ task_id: id, job }, NO_RECORD);
  const log = taskLogger(deps.logger, task);
  if (isReady(task.status)) {
    // The steps its end sets going in a workflow may have been cut short (a crash after the
    // finish, before this message was deleted): they are idempotent, take them again.
    await settleEnded(deps, task);
    // Its last events, if the run that ended it died before they went out (the outbox).
    await publishPending(deps, task);
    if (eventsPending(deps, task)) throw new RetryLaterError(`task ${id}: its events are not sent yet`);
    return void log.debug({ status: task.status }, 'duplicate delivery of a ready task: dropped');
  }
  if (task.status === 'WAITING')
    return void log.warn('message for a WAITING task (it has none until released): dropped');
  if (task.status === 'STARTED' && (task.leaseUntil ?? 0) >= now) {
    // A live run holds this task, and its own message: heartbeats keep that one in
    // flight, and it comes back if the run dies. This copy is not needed.
    return void log.debug('duplicate delivery of a running task: dropped');
  }
  const reason = task.revokeRequested ? 'revoked' : isExpired(task, now) ? expiredReason(task) : undefined;
  if (reason) {
    if (await endTask(deps, task.id, { idle: 'REVOKED', reason })) return void log.info({ reason }, 'task REVOKED');
  } else if (task.eta !== undefined && task.eta > now + 1) {
    // Not due: a fresh message for its due time, rather than putting this one back,
    // which would spend its receive budget toward the dead-letter queue.
    await sendTaskMessage(deps, task);
    return void log.debug({ eta: task.eta }, 'early delivery: sent again for its due time');
  }
  throw new RetryLaterError(`task ${task.id} changed while it was being claimed`);
}
