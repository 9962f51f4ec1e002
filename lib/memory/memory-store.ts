import { TaskExistsError } from '../errors.js';
import { SECONDS_PER_DAY, SETTINGS } from '../settings.js';
import { systemClock } from '../tasks/deps.js';
import { LIMITS, truncateBytes } from '../limits.js';
import type { ClaimResult, ScheduleEntry, TaskStore } from '../store.js';
import type { Task } from '../task.js';
import { deadLetterVerbs } from './dead-letter-verbs.js';
import { listTasks } from './task-listing.js';
import { isClaimable, isExpired, isHeldBy, isIdle, newRecord, patch, toTask, type TaskRecord } from './task-record.js';
import { workflowVerbs } from './workflow-verbs.js';

export interface MemoryStoreOptions {
  /**
   * What the store takes for now, in epoch seconds (fractional), where the DynamoDB
   * adapter reads the system clock: retention on reads, the lease check of `requeue`.
   * Give the same clock as the backend and consumer. @default () => Date.now() / 1000
   */
  clock?: () => number;
  /** Seconds a ready task is kept before it reads as absent. @default 7 days */
  retentionSeconds?: number;
}

/** A periodic job's run bookkeeping, as the adapter's schedule item holds it. */
interface ScheduleRecord {
  job: string;
  lastSlot: number;
  lastRunAt: number;
  runsCount: number;
  lastTaskId?: string;
}

/** The store's state and the conditional-write primitives every verb uses. */
function memoryState(options: MemoryStoreOptions) {
  const clock = options.clock ?? systemClock;
  const retention = options.retentionSeconds ?? SETTINGS.retentionDays.default * SECONDS_PER_DAY;
  const tasks = new Map<string, TaskRecord>();
  const locks = new Map<string, string>();
  const schedules = new Map<string, ScheduleRecord>();

  const read = (id: string) => toTask(tasks.get(id), clock());

  /**
   * One conditional update of an existing record: `change` runs only if the record
   * exists and `condition` holds. True when written.
   */
  function write(id: string, condition: (r: TaskRecord) => boolean, change: (r: TaskRecord) => void): boolean {
    const record = tasks.get(id);
    if (!record || !condition(record)) return false;
    change(record);
    return true;
  }

  /**
   * `write`, then the task as written, or undefined: when the condition failed, and also
   * when the written task is past retention (the adapter reads its answer the same way).
   */
  const update = (id: string, condition: (r: TaskRecord) => boolean, change: (r: TaskRecord) => void) =>
    write(id, condition, change) ? read(id) : undefined;

  function getTasks(ids: string[]): Task[] {
    return ids.flatMap((id) => {
      const task = read(id);
      return task ? [task] : [];
    });
  }
  return { clock, retention, tasks, locks, schedules, read, write, update, getTasks };
}
export type MemoryState = ReturnType<typeof memoryState>;

/** Create, read, list and delete task records. */
function recordVerbs(
  state: MemoryState,
): Pick<
  TaskStore,
  'createTask' | 'getTask' | 'getTasks' | 'queryTasks' | 'setSendError' | 'deleteTasks' | 'tasksInStatus' | 'flush'
> {
  const { clock, tasks, locks, schedules, read, write, getTasks } = state;
  return {
    async createTask(task) {
      const record = newRecord(task);
      // A record past its retention reads as absent and does not hold its id (as the adapter's TTL condition).
      const existing = tasks.get(task.id);
      if (existing && !isExpired(existing, clock())) throw new TaskExistsError(task.id);
      tasks.set(task.id, record);
    },

    getTask: async (id) => read(id),

    getTasks: async (ids) => getTasks(ids),

    queryTasks: async (query) => listTasks(tasks.values(), query, getTasks),

    async setSendError(id, message) {
      write(
        id,
        () => true,
        (r) => patch(r, { sendError: message }),
      );
    },

    async deleteTasks(ids) {
      const now = clock();
      return [...new Set(ids)].filter((id) => {
        const record = tasks.get(id);
        if (record?.status === 'STARTED' && record.leaseUntil !== undefined && record.leaseUntil >= now) return false;
        tasks.delete(id);
        return record !== undefined && !isExpired(record, now);
      });
    },

    async *tasksInStatus(statuses) {
      for (const status of statuses) {
        let cursor: string | undefined;
        do {
          const page = listTasks(tasks.values(), { status, limit: 500, cursor }, getTasks);
          if (page.tasks.length) yield page.tasks;
          cursor = page.cursor ?? undefined;
        } while (cursor);
      }
    },

    async flush() {
      tasks.clear();
      locks.clear();
      schedules.clear();
    },
  };
}

/** The verbs of a run: claim, fenced finish, lease, revoke request. */
function runVerbs(state: MemoryState): Pick<TaskStore, 'claimTask' | 'finishTask' | 'extendLease' | 'requestRevoke'> {
  const { retention, tasks, read, write, update } = state;
  return {
    async claimTask({ id, now, leaseUntil, worker }): Promise<ClaimResult> {
      const task = update(
        id,
        (r) => isClaimable(r, now),
        (r) => patch(r, { status: 'STARTED', timeStarted: now, leaseUntil, worker, attempts: (r.attempts ?? 0) + 1 }),
      );
      return task ? { claimed: true, task } : { claimed: false, task: read(id) };
    },

    async finishTask(id, attempt, outcome) {
      const ready = outcome.status !== 'RETRY';
      const errorsJson = outcome.errors?.length ? JSON.stringify(outcome.errors) : undefined;
      // The outcome replaces the last one whole: a field it does not give is cleared.
      const written = write(
        id,
        (r) => isHeldBy(r, attempt),
        (r) =>
          patch(r, {
            status: outcome.status,
            timeEnded: outcome.time,
            resultJson: outcome.resultJson,
            error: outcome.error,
            stack: outcome.stack,
            errorsJson,
            eta: outcome.eta,
            ttl: ready ? Math.ceil(outcome.time + retention) : undefined,
            leaseUntil: undefined,
            // A revoke asked while the attempt ran outlives a RETRY (as the adapter).
            revokeRequested: ready ? undefined : r.revokeRequested,
          }),
      );
      // The task as written: read at the finish's own time, as the adapter reads its answer.
      return written ? toTask(tasks.get(id), outcome.time) : undefined;
    },

    async extendLease(id, attempt, leaseUntil) {
      return update(
        id,
        (r) => isHeldBy(r, attempt),
        (r) => patch(r, { leaseUntil }),
      );
    },

    async requestRevoke(id) {
      return update(
        id,
        (r) => r.status === 'STARTED',
        (r) => patch(r, { revokeRequested: true }),
      );
    },
  };
}

/** Ending idle tasks, re-send counts, redrive. */
function endVerbs(state: MemoryState): Pick<TaskStore, 'endIdle' | 'markResent' | 'requeue'> {
  const { clock, retention, write, update } = state;
  return {
    async endIdle(id, end) {
      return update(
        id,
        (r) => isIdle(r, end.time),
        (r) =>
          patch(r, {
            status: end.status,
            timeEnded: end.time,
            error: truncateBytes(end.reason, LIMITS.errorBytes),
            deadLettered: end.deadLettered || undefined,
            ttl: Math.ceil(end.time + retention),
            leaseUntil: undefined,
          }),
      );
    },

    async markResent(id, seen) {
      return write(
        id,
        (r) => (seen ? r.resends === seen : r.resends === undefined),
        (r) => patch(r, { resends: seen + 1 }),
      );
    },

    async requeue(id) {
      const now = clock();
      return update(
        id,
        (r) => (r.status === 'FAILURE' && r.deadLettered === true && !isExpired(r, now)) || isIdle(r, now),
        (r) =>
          patch(r, {
            status: 'QUEUED',
            error: undefined,
            stack: undefined,
            timeEnded: undefined,
            ttl: undefined,
            deadLettered: undefined,
            eta: undefined,
            leaseUntil: undefined,
            resends: undefined,
          }),
      );
    },
  };
}

/** Non-overlap locks and periodic jobs' schedule entries. */
function lockAndScheduleVerbs(
  state: MemoryState,
): Pick<TaskStore, 'acquireLock' | 'releaseLock' | 'recordRun' | 'getScheduleEntries'> {
  const { locks, schedules } = state;
  return {
    async acquireLock(lockId, taskId, replacing) {
      const holder = locks.get(lockId);
      if (replacing ? holder === replacing : holder === undefined) {
        locks.set(lockId, taskId);
        return undefined;
      }
      // '' is "held by nobody we know": the takeover found the lock released.
      return holder ?? '';
    },

    async releaseLock(lockId, taskId) {
      if (locks.get(lockId) === taskId) locks.delete(lockId);
    },

    async recordRun({ job, slot, time, taskId }) {
      const entry = schedules.get(job);
      if (entry && !(entry.lastSlot < slot)) return false;
      const next: ScheduleRecord = { job, lastSlot: slot, lastRunAt: time, runsCount: (entry?.runsCount ?? 0) + 1 };
      if (taskId) next.lastTaskId = taskId;
      schedules.set(job, next);
      return true;
    },

    async getScheduleEntries(jobs) {
      const entries = new Map<string, ScheduleEntry>();
      for (const job of new Set(jobs)) {
        const entry = schedules.get(job);
        // lastTaskId is always a key, undefined when absent, as the adapter builds it.
        if (entry) entries.set(job, { ...entry, lastTaskId: entry.lastTaskId });
      }
      return entries;
    },
  };
}

/**
 * The task store in memory: the same verbs, conditions and answers as the DynamoDB
 * adapter (`createDynamoStore`), for tests and for running jobs in-process. One
 * process only: nothing is shared or kept on disk.
 *
 * - Tasks go in and come out as copies: changing a task you passed or got back does not
 *   change the store. kwargs, results and attempt errors are kept as JSON text, as the
 *   adapter stores them, so they read back as JSON-parsed copies.
 * - A ready task reads as absent once `retentionSeconds` have passed since it ended
 *   (the adapter's TTL), by the injected clock. As with the adapter, such a task no
 *   longer holds its id (`createTask` replaces it) nor comes back by a redrive. Records
 *   are never dropped on their own: call `flush` or `deleteTasks` in long-running use.
 * - Each method is atomic: it reads, checks and writes with no await in between.
 *
 * @example
 * const store = createMemoryStore({ clock: () => now, retentionSeconds: 3600 });
 * await store.createTask({ id: 't1', name: 'add', status: 'QUEUED', kwargs: { a: 1 }, timeQueued: now, attempts: 0 });
 * const claim = await store.claimTask({ id: 't1', now, leaseUntil: now + 60, worker: 'w1' });
 * // claim.claimed === true, claim.task.status === 'STARTED', claim.task.attempts === 1
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): TaskStore {
  const s = memoryState(options);
  const tasks = {
    ...recordVerbs(s),
    ...runVerbs(s),
    ...endVerbs(s),
    ...deadLetterVerbs(s),
    ...lockAndScheduleVerbs(s),
  };
  return { ...tasks, ...workflowVerbs(s, tasks.flush) };
}
