/**
 * Dead letters, looked at and purged. SQS cannot list a queue's messages without receiving
 * them, which hides each for the queue's visibility timeout and raises its receive count,
 * nor delete one without the receipt handle of a receive. So:
 *
 * - the listing (`list_dead_letters`) reads the task records marked dead-lettered — what the
 *   task was, why and when it failed — and adds the count SQS reports for the queue;
 * - a purge (`purge_dead_letters`) receives letters within a time budget, deletes the ones
 *   it is asked to, and says whether to call again; the records keep their FAILURE and lose
 *   the mark, so that no redrive queues them again.
 *
 * The receive loop is the redrive's too (lib/tasks/redrive.ts).
 */
import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { cursorAfter } from '../keys.js';
import { LIMITS } from '../limits.js';
import { taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { Task } from '../task.js';
import type { TaskDeps } from './deps.js';

/**
 * Seconds a call reads the dead-letter queue before it returns with `more: true`. A
 * `redrive_dead_letters` or `purge_dead_letters` call must answer within API Gateway's 29 s
 * integration timeout: 20 s of receiving leaves room for the last batch and the count.
 */
export const DEAD_LETTER_BUDGET_SECONDS = 20;

/**
 * A long poll's wait: SQS then asks every server (a short poll samples some and can answer
 * empty while letters wait). One second: letters are not arriving, only being looked for.
 */
const LONG_POLL_SECONDS = 1;

/** Bounds of one pass over the dead-letter queue. */
export interface DeadLetterScanOptions {
  /** Letters to look at, at most. */
  max: number;
  /** Seconds of receiving. @default DEAD_LETTER_BUDGET_SECONDS */
  budgetSeconds?: number;
  /** Checked after each batch: true ends the pass early, with nothing more to do. */
  done?: () => boolean;
  /**
   * Make the letters kept visible again when the pass ends without `more`, so that a
   * redrive or a person finds them at once. (With `more` they stay hidden, so the next call
   * reaches the letters behind them.) @default false
   */
  release?: boolean;
}

/** How a pass ended. */
export interface DeadLetterScan {
  /** It stopped on `max` or its time budget, not on an empty long poll: call again to go on. */
  more: boolean;
  /** Messages still on the dead-letter queue, from SQS's approximate counts (visible and in flight). */
  remaining: number;
}

/**
 * Receive the dead-letter queue in long polls of up to 10 letters, `handle` each letter once
 * (true: delete it), until a poll brings no letter not seen yet, `max` letters were looked at,
 * `done()` holds, or the budget is spent. No poll at all when SQS counts no letter (one
 * dead-lettered moments ago may not be counted yet: the next call finds it). A letter looked
 * at and kept stays hidden for the queue's visibility timeout, which is what lets the pass
 * reach the letters behind it.
 */
export async function scanDeadLetters(
  deps: Pick<TaskDeps, 'queue'>,
  { max, budgetSeconds = DEAD_LETTER_BUDGET_SECONDS, done, release = false }: DeadLetterScanOptions,
  handle: (message: ReceivedMessage) => Promise<boolean>,
): Promise<DeadLetterScan> {
  if ((await deps.queue.deadLetterCount()) === 0) return { more: false, remaining: 0 };
  const deadline = performance.now() + budgetSeconds * 1000;
  const seen = new Set<string>();
  const kept: string[] = [];
  let more = false;
  while (!done?.()) {
    const messages = await deps.queue.receiveDeadLetters(Math.min(10, max - seen.size), LONG_POLL_SECONDS);
    const fresh = messages.filter((m) => !seen.has(m.messageId));
    if (!fresh.length) break;
    const deletable: string[] = [];
    for (const message of fresh) {
      seen.add(message.messageId);
      if (await handle(message)) deletable.push(message.receiptHandle);
      else kept.push(message.receiptHandle);
    }
    await deps.queue.deleteDeadLetters(deletable);
    if (seen.size >= max || performance.now() >= deadline) {
      more = !done?.();
      break;
    }
  }
  if (release && !more) await deps.queue.releaseDeadLetters(kept);
  return { more, remaining: await deps.queue.deadLetterCount() };
}

/** One page of `list_dead_letters`. */
export interface DeadLetterPage {
  /** Tasks marked dead-lettered (FAILURE, `deadLettered`), newest queued first. */
  tasks: Task[];
  /** Pass back for the next page; null at the end. */
  cursor: string | null;
  /** Messages on the dead-letter queue, from SQS's approximate counts (visible and in flight). */
  messages: number;
  /**
   * Letters with no task marked dead-lettered: `messages` less the tasks listed, when this one
   * page listed them all (no cursor in, none out); else null. Approximate: SQS's counts lag,
   * and a letter whose task was marked but not yet moved (it moves at its next receive) is
   * not counted yet.
   */
  unrecorded: number | null;
}

/** A page of `list_dead_letters`: at most `limit` tasks, after `cursor`. */
export interface DeadLetterQuery {
  /** 1–1000. @default LIMITS.defaultListLimit (100) */
  limit?: number;
  cursor?: string;
}

/** FAILURE records one listing reads at most: a page can come back short, with a cursor. */
const MAX_SCANNED = 1000;
/** FAILURE records read a round. */
const ROUND = 100;

/**
 * Up to `limit` tasks marked dead-lettered after `cursor`, newest first, and the cursor to go
 * on. They are read from the FAILURE group of the status index (no index of their own: a
 * dead letter is rare, and an index costs a write on every finish), dropping the FAILURE
 * tasks that were not dead-lettered; a call reads at most MAX_SCANNED of those, so a page
 * may be short, even empty, with a cursor. Throws ValidationError for a cursor it did not return.
 */
async function markedTasks(store: TaskDeps['store'], limit: number, cursor: string | undefined) {
  const tasks: Task[] = [];
  let next: string | null = cursor ?? null;
  for (let scanned = 0; scanned < MAX_SCANNED && tasks.length < limit; ) {
    const page = await store.queryTasks({ status: 'FAILURE', limit: ROUND, cursor: next ?? undefined });
    scanned += page.tasks.length;
    next = page.cursor;
    for (const [n, task] of page.tasks.entries()) {
      if (!task.deadLettered) continue;
      tasks.push(task);
      if (tasks.length < limit) continue;
      // Full: resume after this task, unless it ends the page (then the page's own cursor).
      if (n < page.tasks.length - 1) next = cursorAfter(task.timeQueued, task.id);
      break;
    }
    if (!next) break;
  }
  return { tasks, cursor: next };
}

/** `list_dead_letters`: a page of the tasks marked dead-lettered (`markedTasks`), and SQS's count of letters. */
export async function listDeadLetters(
  deps: Pick<TaskDeps, 'store' | 'queue'>,
  { limit = LIMITS.defaultListLimit, cursor }: DeadLetterQuery = {},
): Promise<DeadLetterPage> {
  const [page, messages] = await Promise.all([markedTasks(deps.store, limit, cursor), deps.queue.deadLetterCount()]);
  const whole = cursor === undefined && page.cursor === null;
  return { ...page, messages, unrecorded: whole ? Math.max(0, messages - page.tasks.length) : null };
}

/** What a purge did, and what it left. */
export interface PurgeResult {
  /** Ids of the tasks whose dead letter or dead-lettered mark this call removed. */
  purged: string[];
  /** Letters deleted from the dead-letter queue. */
  deleted: number;
  /** Letters looked at and left: not among the `ids` asked for. */
  kept: number;
  /** Letters or marks whose purge failed (logged with the task id): they stay for a later call. */
  failed: number;
  /** True when the call stopped on its limit or its time budget: call again to go on. */
  more: boolean;
  /** Messages still on the dead-letter queue (approximate, as SQS counts; lags up to a minute). */
  remaining: number;
}

/** What to purge, and the bounds of one call. */
export interface PurgeOptions {
  /** These tasks' letters and marks (at most LIMITS.maxIdsPerCall); every letter when absent. */
  ids?: string[];
  /** Letters to look at, at most. @default 1000 */
  limit?: number;
  /** Seconds of receiving. @default DEAD_LETTER_BUDGET_SECONDS */
  budgetSeconds?: number;
}

/** The task id a letter carries; undefined for a body that is no task message. */
function letterTaskId(message: ReceivedMessage): string | undefined {
  const decoded = decodeEnvelope(message.body);
  return 'invalid' in decoded ? undefined : taskIdOf(decoded, message.messageId);
}

/**
 * `purge_dead_letters`: delete dead letters, all of them or those of the tasks `ids`.
 *
 * - With `ids`, each task's mark goes first (so it leaves the listing at once, and a letter
 *   not found now is stale: a redrive drops it), then the queue is read until every letter
 *   asked for is found, a poll finds none, or the limit or budget is reached; other letters
 *   are kept (hidden while it reads, visible again at its end unless it answers `more`).
 * - Without, every letter read is deleted and its task's mark cleared; once the queue reads
 *   empty, the marks of tasks whose letter was not seen (in flight, or not moved yet) are
 *   cleared too, within the same budget.
 *
 * A task keeps its FAILURE and error either way. A letter or mark whose purge fails is
 * logged and counted in `failed`, and stays for a later call; it never stops the others.
 */
export async function purgeDeadLetters(
  deps: Pick<TaskDeps, 'store' | 'queue' | 'logger'>,
  { ids, limit = 1000, budgetSeconds = DEAD_LETTER_BUDGET_SECONDS }: PurgeOptions = {},
): Promise<PurgeResult> {
  const started = performance.now();
  const result: PurgeResult = { purged: [], deleted: 0, kept: 0, failed: 0, more: false, remaining: 0 };
  const marks = markClearer(deps, result);
  const wanted = ids && new Set(ids);
  const found = new Set<string>();
  if (wanted) await Promise.all([...wanted].map((id) => marks.clear(id)));
  const scan = await scanDeadLetters(
    deps,
    { max: limit, budgetSeconds, done: wanted && (() => found.size === wanted.size), release: true },
    async (message) => {
      const id = letterTaskId(message);
      if (wanted && !(id && wanted.has(id))) return (void result.kept++, false);
      if (id && !wanted && !(await marks.clear(id))) return false;
      if (id) found.add(id), marks.purged.add(id);
      result.deleted++;
      return true;
    },
  );
  result.more = scan.more;
  if (!wanted && !scan.more) {
    const left = budgetSeconds - (performance.now() - started) / 1000;
    result.more = !(await clearListedMarks(deps.store, marks, left));
  }
  result.purged = [...marks.purged];
  result.remaining = scan.remaining;
  return result;
}

/**
 * Clears tasks' dead-lettered marks for one purge: `clear(id)` is false when the write
 * failed (logged, counted in `result.failed`, remembered so it is tried once a call).
 */
function markClearer(deps: Pick<TaskDeps, 'store' | 'logger'>, result: PurgeResult) {
  const purged = new Set<string>();
  const failed = new Set<string>();
  return {
    purged,
    /** Whether a clear of this id was tried already. */
    tried: (id: string) => purged.has(id) || failed.has(id),
    async clear(id: string): Promise<boolean> {
      try {
        const task = await deps.store.clearDeadLettered(id);
        if (task) purged.add(id), taskLogger(deps.logger, task).info('dead letter purged: the task stays FAILURE');
        return true;
      } catch (err) {
        result.failed++;
        failed.add(id);
        deps.logger.error({ task_id: id, err }, 'purge of a dead letter failed: it stays for a later purge');
        return false;
      }
    },
  };
}

/** Clear the marks of every task listed dead-lettered, within `seconds`; true when it got through them all. */
async function clearListedMarks(store: TaskDeps['store'], marks: ReturnType<typeof markClearer>, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  let cursor: string | undefined;
  do {
    if (performance.now() >= deadline) return false;
    const page = await markedTasks(store, ROUND, cursor);
    await Promise.all(page.tasks.filter(({ id }) => !marks.tried(id)).map(({ id }) => marks.clear(id)));
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return true;
}
