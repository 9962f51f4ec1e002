import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { takeLock } from './lock.js';
import { isSameRequest } from './enqueue.js';
import { sendTaskMessage } from './send.js';

/** What a redrive did: tasks queued again, stale messages dropped, bodies left for a person. */
export interface RedriveResult {
  moved: string[];
  dropped: number;
  skipped: number;
}

/**
 * `redrive_dead_letters`: move up to `max` messages of the dead-letter queue back. Each
 * dead-lettered (or stuck) task is queued again for a new attempt; a message whose task is
 * gone, ended otherwise or not due yet is dropped; a body that is no task message, or a
 * producer message dead-lettered before its record was written (bad kwargs) or whose id
 * names another request, stays where it is.
 */
export async function redriveDeadLetters(deps: TaskDeps, max = 1000): Promise<RedriveResult> {
  const result: RedriveResult = { moved: [], dropped: 0, skipped: 0 };
  const seen = new Set<string>();
  const count = () => result.moved.length + result.dropped + result.skipped;
  while (count() < max) {
    const messages = await deps.queue.receiveDeadLetters(Math.min(10, max - count()));
    const fresh = messages.filter((m) => !seen.has(m.messageId));
    if (!fresh.length) break;
    const done: string[] = [];
    try {
      for (const message of fresh) {
        seen.add(message.messageId);
        if (await redriveOne(deps, message, result)) done.push(message.receiptHandle);
      }
    } finally {
      // The letters already moved leave the dead-letter queue even if a later one failed.
      await deps.queue.deleteDeadLetters(done);
    }
  }
  return result;
}

/** Whether a task waits for a due time still ahead: it has its own message (or timer) for it. */
const notDue = (task: Task, now: number) =>
  (task.status === 'QUEUED' || task.status === 'RETRY') && task.eta !== undefined && task.eta > now + 1;

/**
 * One dead letter; true when it can be deleted from the dead-letter queue. A letter is a
 * pointer to its task and never changes it beyond a new attempt: a producer message is
 * redriven only for the request its id was recorded for (else it stays: refused for bad
 * kwargs, or its id names another request), and a letter for a task not yet due is dropped.
 */
async function redriveOne(deps: TaskDeps, message: ReceivedMessage, result: RedriveResult): Promise<boolean> {
  const decoded = decodeEnvelope(message.body);
  if ('invalid' in decoded) return (void result.skipped++, false);
  const id = taskIdOf(decoded, message.messageId);
  const job = decoded.envelope?.job ?? decoded.producer!.job;
  const log = taskLogger(deps.logger, { id, name: job });
  const found = await deps.store.getTask(id);
  if (decoded.producer && !(found && isSameRequest(found, job, decoded.producer.kwargs))) {
    if (found) log.warn({ existing_job: found.name }, 'not redriven: the task id names another request');
    return (void result.skipped++, false);
  }
  if (found && notDue(found, deps.clock())) {
    log.info({ eta: found.eta }, 'dead letter dropped: its task is not due yet and has its own message');
    return (void result.dropped++, true);
  }
  // Non-overlap: a dead-lettered task gave its lock up when it ended; it runs again only if
  // it can take the lock back (an equal task may hold it now). An idle task still holds it.
  if (found?.lockId && !(await takeLock(deps.store, found.lockId, id))) {
    log.warn(
      { lock_id: found.lockId },
      'not redriven: an equal task holds the non-overlap lock; redrive again once it ends',
    );
    return (void result.skipped++, false);
  }
  const task = await deps.store.requeue(id);
  if (task) {
    await sendTaskMessage(deps, task);
    result.moved.push(task.id);
    taskLogger(deps.logger, task).info('redriven from the dead-letter queue');
    return true;
  }
  result.dropped++;
  return true;
}
