import { taskLogger } from '../log.js';
import { SETTINGS } from '../settings.js';
import { isIdle, UNREADY_STATUSES, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { sweepDeadLetters } from './dead-letter-sweep.js';
import { endTask } from './end.js';
import { publishPending } from './publish.js';
import { noteParked, type ParkedKeys, sweepParked } from './parking.js';
import { sendTaskMessage } from './send.js';
import { repairWaiting } from './workflow-repair.js';

/** Options of a reconciler run. Seconds. */
export interface ReconcileOptions {
  /** A task that has not progressed for this long gets its message again. @default 300 */
  olderThan?: number;
  /** Re-sends per task, the wait doubling each time; then a STARTED task is FAILURE. @default 5 */
  maxResends?: number;
  /** Restart recovery (a fresh, empty queue): every unready task gets its message again, uncounted. */
  recovery?: boolean;
  /** With `recovery`: only the tasks due beyond the queue's delay (the in-memory local timer lost them). */
  timerOnly?: boolean;
}

/** What a reconciler run did. */
export interface ReconcileResult {
  resent: number;
  failed: number;
  /** Tasks whose message could not be sent this run (the record notes it; the next run tries again). */
  failedSends: number;
  /** Tasks ended FAILURE dead-lettered because their message was found on the dead-letter queue. */
  deadLettered: number;
  /** WAITING tasks of workflows looked at again (lib/tasks/workflow-repair.ts). */
  waiting: number;
  /** Task events sent late: left pending in the outbox by a crash or an outage (docs/events.md). */
  events: number;
  /** Parked tasks released by the sweep: their key had a free permit (lib/tasks/parking.ts). */
  parked: number;
}

/**
 * The reconciler: send again the message of every task that should have one and has not
 * progressed for `olderThan` seconds — QUEUED or RETRY past their due time, STARTED with a
 * lease expired that long (a producer that died between its two writes, a lost message).
 * The claim makes a duplicate harmless. Each task is re-sent at most `maxResends` times,
 * the wait doubling each time; a STARTED task still stuck after that (its runs keep dying)
 * ends FAILURE. QUEUED tasks are never failed here: they may be backlog. Before that, the
 * tasks whose message sits on the dead-letter queue unrecorded end FAILURE dead-lettered
 * (lib/tasks/dead-letter-sweep.ts). After it, WAITING tasks that have waited long are looked
 * at again: what they wait for may have ended unheard (lib/tasks/workflow-repair.ts); and
 * tasks parked for a permit whose key has a free one are released (lib/tasks/parking.ts). Task
 * events left pending in the outbox for `olderThan` seconds are sent (lib/tasks/publish.ts).
 */
export async function reconcile(deps: TaskDeps, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const result: ReconcileResult = {
    resent: 0,
    failed: 0,
    failedSends: 0,
    deadLettered: 0,
    waiting: 0,
    events: 0,
    parked: 0,
  };
  // First the tasks whose message SQS dead-lettered unseen: they are to end, not be re-sent.
  result.deadLettered = await sweepDeadLetters(deps).catch((err) => {
    deps.logger.warn({ err }, 'reconciler could not read the dead-letter queue; next run');
    return 0;
  });
  const now = deps.clock();
  for await (const tasks of deps.store.tasksInStatus(UNREADY_STATUSES)) {
    for (const task of tasks) {
      // One task's failed send must not stop the pass: the others still get theirs.
      await reconcileOne(deps, task, now, options, result).catch((err) => {
        result.failedSends++;
        taskLogger(deps.logger, task).warn({ err }, "reconciler could not send the task's message; next run");
      });
    }
  }
  // After a restart on a fresh queue, the messages whose delivery would have taken a workflow's
  // next step again are gone: every WAITING task is looked at now.
  if (!options.recovery) await lookAtWaiting(deps, now, options.olderThan ?? SETTINGS.reconcileAfter.default, result);
  else if (!options.timerOnly) await lookAtWaiting(deps, now, 0, result);
  return result;
}

/** The WAITING tasks' pass: one failing does not stop the others. Parked tasks are swept by key, after. */
async function lookAtWaiting(deps: TaskDeps, now: number, olderThan: number, result: ReconcileResult) {
  const parked: ParkedKeys = new Map();
  for await (const tasks of deps.store.tasksInStatus(['WAITING'])) {
    for (const task of tasks) {
      if (noteParked(parked, task)) continue;
      const looked = await repairWaiting(deps, task, now, olderThan).catch((err) => {
        taskLogger(deps.logger, task).warn({ err }, 'reconciler could not look at a WAITING task; next run');
        return false;
      });
      if (looked) result.waiting++;
    }
  }
  result.parked = await sweepParked(deps, parked, endTask).catch((err) => {
    deps.logger.warn({ err }, 'reconciler could not sweep the parked tasks; next run');
    return 0;
  });
}

async function reconcileOne(
  deps: TaskDeps,
  task: Task,
  now: number,
  {
    olderThan = SETTINGS.reconcileAfter.default,
    maxResends = SETTINGS.maxResends.default,
    recovery = false,
    timerOnly = false,
  }: ReconcileOptions,
  result: ReconcileResult,
): Promise<void> {
  // Events a crash left in the outbox; a live run sends its own.
  if (task.outbox && isIdle(task, now)) result.events += await publishPending(deps, task, now - olderThan);
  const timed = task.status === 'QUEUED' && task.eta !== undefined && task.eta - task.timeQueued > deps.maxQueueDelay;
  if (timerOnly && !timed) return;
  const log = taskLogger(deps.logger, task);
  const resends = task.resends ?? 0;
  if (!recovery) {
    const since = task.status === 'STARTED' ? (task.leaseUntil ?? task.timeQueued) : (task.eta ?? task.timeQueued);
    if (now - since < olderThan * 2 ** resends) return;
    if (resends >= maxResends) {
      if (task.status !== 'STARTED') return;
      const reason = `its runs kept dying: no outcome after ${resends} re-sends`;
      if (await endTask(deps, task.id, { idle: 'FAILURE', reason })) {
        result.failed++;
        log.error({ resends }, 'reconciler gave up: task FAILURE');
      }
      return;
    }
    // Two reconcilers that saw the same state count (and send) one re-send.
    if (!(await deps.store.markResent(task.id, resends))) return;
  }
  // A STARTED task's message is due when its lease lapses: delivered earlier, it would be
  // taken for a duplicate of a live run and dropped (at a restart, the dead run's lease
  // may still have seconds to go).
  const dueAt = task.status === 'STARTED' && task.leaseUntil !== undefined ? task.leaseUntil + 1 : task.eta;
  await sendTaskMessage(deps, { ...task, eta: dueAt });
  result.resent++;
  log.warn(
    { status: task.status, resends: recovery ? undefined : resends + 1 },
    "reconciler sent the task's message again",
  );
}
