import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { messageLogger, taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import { isIdle, isReady, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { endTask } from './end.js';
import { isSameRequest } from './enqueue.js';
import { publishPending } from './publish.js';

/** Letters one sweep looks at, at most: a reconciler run stays short whatever the queue holds. */
export const SWEEP_MAX_LETTERS = 100;

/** A long poll's wait on the dead-letter queue (a short poll can answer empty while letters wait). */
const LONG_POLL_SECONDS = 1;

/**
 * The reason recorded on a task found with its message on the dead-letter queue and no
 * outcome: SQS moved it before a delivery the consumer counted as the last (throttled
 * receives count too), or that delivery could not record one (the store failing).
 */
export const MOVED_BY_SQS =
  'its message reached the dead-letter queue with no outcome recorded (moved by SQS before a last delivery the consumer counted, or that delivery could not record one)';

/** No live run holds the task and it is due: its dead letter is its only message. */
const waitsOnLetter = (task: Task, now: number) => isIdle(task, now) && (task.eta === undefined || task.eta <= now + 1);

/**
 * Whether a letter is the task's own message, not one that only names its id: the same job,
 * and for a producer message the same request (a forged or conflicting one was refused and
 * dead-lettered on purpose, and changes nothing: docs/reliability.md's invariant).
 */
function isOwnLetter(task: Task, decoded: Exclude<ReturnType<typeof decodeEnvelope>, { invalid: string }>): boolean {
  const job = decoded.envelope?.job ?? decoded.producer!.job;
  if (task.name !== job) return false;
  return !decoded.producer || isSameRequest(task, job, decoded.producer.kwargs);
}

/**
 * The last delivery, whichever it was. The consumer records a task FAILURE dead-lettered on
 * what it counts as the message's last delivery (`ApproximateReceiveCount` reaching
 * `maxReceiveCount`), but throttled Lambda pollers raise that count too, so SQS can move a
 * message before the consumer sees it: its task is then left unfinished, with no message.
 * This sweep (run by the reconciler) reads up to `max` dead letters, and ends each such
 * task FAILURE with `dead_lettered: true` and the reason — what the consumer would have
 * recorded; `redrive_dead_letters` then works on it as on any dead letter. A task that is
 * ready, running, not due yet or gone is left alone. Every letter looked at is made visible
 * again at the end (the dead-letter queue keeps them for a redrive). A letter that only
 * names the task's id (another job, or a producer message of another request) is ignored.
 *
 * Returns how many tasks it ended. Throws only when the queue cannot be read.
 */
export async function sweepDeadLetters(deps: TaskDeps, max = SWEEP_MAX_LETTERS): Promise<number> {
  if ((await deps.queue.deadLetterCount()) === 0) return 0;
  const seen = new Set<string>();
  const handles: string[] = [];
  let ended = 0;
  try {
    while (seen.size < max) {
      const letters = await deps.queue.receiveDeadLetters(Math.min(10, max - seen.size), LONG_POLL_SECONDS);
      const fresh = letters.filter((m) => !seen.has(m.messageId));
      if (!fresh.length) break;
      for (const letter of fresh) {
        seen.add(letter.messageId);
        handles.push(letter.receiptHandle);
        if (await finishOne(deps, letter)) ended++;
      }
    }
  } finally {
    await deps.queue.releaseDeadLetters(handles);
  }
  return ended;
}

/** One letter: true when its task was ended here. A failure is logged; the next run tries again. */
async function finishOne(deps: TaskDeps, letter: ReceivedMessage): Promise<boolean> {
  const decoded = decodeEnvelope(letter.body);
  if ('invalid' in decoded) return false;
  const id = taskIdOf(decoded, letter.messageId);
  try {
    const task = await deps.store.getTask(id);
    // A dead-lettered task's last event, if the delivery that ended it died before sending it.
    if (task && isReady(task.status) && isOwnLetter(task, decoded)) await publishPending(deps, task);
    if (!task || !waitsOnLetter(task, deps.clock()) || !isOwnLetter(task, decoded)) return false;
    const done = await endTask(deps, id, { idle: 'FAILURE', reason: MOVED_BY_SQS, deadLettered: true });
    if (done) taskLogger(deps.logger, done).error('message found on the dead-letter queue: task FAILURE');
    return done !== undefined;
  } catch (err) {
    messageLogger(deps.logger, letter).warn({ err }, 'dead-letter sweep could not look at a letter; next run');
    return false;
  }
}
