import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { TaskDeps } from './deps.js';
import { takeLock } from './lock.js';
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
 * gone or ended otherwise is dropped; a body that is no task message, or a producer
 * message dead-lettered before its record was written (bad kwargs), stays where it is.
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

/** One dead letter; true when it can be deleted from the dead-letter queue. */
async function redriveOne(deps: TaskDeps, message: ReceivedMessage, result: RedriveResult): Promise<boolean> {
  const decoded = decodeEnvelope(message.body);
  if ('invalid' in decoded) return (void result.skipped++, false);
  const id = taskIdOf(decoded, message.messageId);
  // Non-overlap: a dead-lettered task gave its lock up when it ended; it runs again only if
  // it can take the lock back (an equal task may hold it now). An idle task still holds it.
  const lockId = (await deps.store.getTask(id))?.lockId;
  if (lockId && !(await takeLock(deps.store, lockId, id))) {
    taskLogger(deps.logger, { id, name: decoded.envelope?.job ?? decoded.producer!.job }).warn(
      { lock_id: lockId },
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
  if (decoded.producer && !(await deps.store.getTask(id))) return (void result.skipped++, false);
  result.dropped++;
  return true;
}
