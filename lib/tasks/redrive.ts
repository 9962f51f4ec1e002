import { revivePayloads } from '../payloads/claim-check.js';
import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { messageLogger, taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { Task } from '../task.js';
import { DEAD_LETTER_BUDGET_SECONDS, scanDeadLetters } from './dead-letters.js';
import type { TaskDeps } from './deps.js';
import { isSameRequest } from './enqueue.js';
import { takeLock } from './lock.js';
import { publishChange } from './publish.js';
import { sendTaskMessage } from './send.js';

/** What a redrive did, and what it left. */
export interface RedriveResult {
  /** Tasks queued again, by id. */
  moved: string[];
  /** Stale letters deleted: their task is gone, or ended otherwise. */
  dropped: number;
  /** Letters left for a person: bodies that are no task message, refused producer messages, tasks whose lock is held. */
  skipped: number;
  /**
   * Why each skipped letter stays, the first `LEFT_REASONS_MAX`: its task's id (null for a
   * body that is no task message) and the reason, as the log says it.
   */
  left: { id: string | null; reason: string }[];
  /** Letters whose redrive failed (logged with the task id): they stay, and a later redrive tries them again. */
  failed: number;
  /**
   * True when the call stopped on its limit or its time budget, not on an empty long poll:
   * call again to go on.
   */
  more: boolean;
  /**
   * Messages still on the dead-letter queue, from SQS's approximate counts (visible and in
   * flight, so the letters just skipped count too; SQS's counts lag by up to a minute).
   */
  remaining: number;
}

/** Options of a redrive. */
export interface RedriveOptions {
  /**
   * Seconds of receiving, after which the redrive finishes the batch in hand and returns
   * with `more: true` (lib/tasks/dead-letters.ts). @default 20
   */
  budgetSeconds?: number;
}

/** Skipped letters a redrive says why of (`RedriveResult.left`): the answer stays small whatever the limit. */
export const LEFT_REASONS_MAX = 100;

/** Why a letter stays for a person (`RedriveResult.left`). */
const LEFT = {
  notTask: 'the body is no task message',
  refused: 'a producer message refused before its task was recorded (its kwargs or job were refused)',
  otherRequest: 'the task id names another request',
  locked: 'an equal task holds the non-overlap lock: redrive again once it ends',
} as const;

/** A letter left where it is: counted in `skipped`, its reason in `left` (the first LEFT_REASONS_MAX); false: not deleted. */
function leave(result: RedriveResult, id: string | null, reason: string): false {
  result.skipped++;
  if (result.left.length < LEFT_REASONS_MAX) result.left.push({ id, reason });
  return false;
}

/** Seconds a redrive receives before it returns (see `RedriveOptions.budgetSeconds`). */
export const REDRIVE_BUDGET_SECONDS = DEAD_LETTER_BUDGET_SECONDS;

/**
 * `redrive_dead_letters`: move up to `max` messages of the dead-letter queue back, with
 * long polls, until a poll finds none or `budgetSeconds` have passed (`scanDeadLetters`).
 * Each dead-lettered (or stuck) task is queued again for a new attempt; a message whose
 * task is gone or ended otherwise or not due yet is dropped; a body that is no task
 * message, or a producer message dead-lettered before its record was written (bad kwargs)
 * or whose id names another request, stays where it is. One letter's failure is logged and
 * counted in `failed`: it never stops the others.
 */
export async function redriveDeadLetters(
  deps: TaskDeps,
  max = 1000,
  { budgetSeconds = REDRIVE_BUDGET_SECONDS }: RedriveOptions = {},
): Promise<RedriveResult> {
  const result: RedriveResult = { moved: [], dropped: 0, skipped: 0, left: [], failed: 0, more: false, remaining: 0 };
  const scan = await scanDeadLetters(deps, { max, budgetSeconds }, (message) => redriveLogged(deps, message, result));
  return { ...result, more: scan.more, remaining: scan.remaining };
}

/** One letter, its failure logged and counted; true when it can be deleted from the dead-letter queue. */
async function redriveLogged(deps: TaskDeps, message: ReceivedMessage, result: RedriveResult): Promise<boolean> {
  try {
    return await redriveOne(deps, message, result);
  } catch (err) {
    result.failed++;
    messageLogger(deps.logger, message).error({ err }, 'redrive of a dead letter failed: it stays for a later redrive');
    return false;
  }
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
  if ('invalid' in decoded) return leave(result, null, LEFT.notTask);
  const id = taskIdOf(decoded, message.messageId);
  const job = decoded.envelope?.job ?? decoded.producer!.job;
  const log = taskLogger(deps.logger, { id, name: job });
  const found = await deps.store.getTask(id);
  if (decoded.producer && !(found && isSameRequest(found, job, decoded.producer.kwargs))) {
    if (found) log.warn({ existing_job: found.name }, `not redriven: ${LEFT.otherRequest}`);
    return leave(result, id, found ? LEFT.otherRequest : LEFT.refused);
  }
  if (found && notDue(found, deps.clock())) {
    log.info({ eta: found.eta }, 'dead letter dropped: its task is not due yet and has its own message');
    return (void result.dropped++, true);
  }
  // Non-overlap: a dead-lettered task gave its lock up when it ended; it runs again only if
  // it can take the lock back (an equal task may hold it now). An idle task still holds it.
  if (found?.lockId && !(await takeLock(deps.store, found.lockId, id))) {
    log.warn({ lock_id: found.lockId }, `not redriven: ${LEFT.locked}`);
    return leave(result, id, LEFT.locked);
  }
  const task = await deps.store.requeue(id);
  if (task) {
    // Its kwargs object was tagged to expire when the task ended: it runs again, so it is kept again.
    await revivePayloads(deps, task);
    await publishChange(deps, task);
    await sendTaskMessage(deps, task);
    result.moved.push(task.id);
    taskLogger(deps.logger, task).info('redriven from the dead-letter queue');
    return true;
  }
  result.dropped++;
  return true;
}
