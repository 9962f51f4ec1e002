import { bodyTtl } from '../task-side-items.js';
import { TaskExistsError } from '../errors.js';
import type { ScheduleEntry, TaskStore } from '../store.js';
import { createdCost } from './memory-cost.js';
import { deadLetterVerbs } from './dead-letter-verbs.js';
import { memoryParking } from './memory-parking.js';
import { memoryPermits } from './memory-permits.js';
import { endVerbs, runVerbs } from './memory-runs.js';
import { type MemoryState, type MemoryStoreOptions, memoryState, type ScheduleRecord } from './memory-state.js';
import { listTasks } from './task-listing.js';
import { isExpired, newRecord, patch } from './task-record.js';
import { workflowVerbs } from './workflow-verbs.js';

export type { MemoryStoreOptions } from './memory-state.js';

/** Create, read, list and delete task records. */
function recordVerbs(
  state: MemoryState,
): Pick<
  TaskStore,
  'createTask' | 'getTask' | 'getTasks' | 'queryTasks' | 'setSendError' | 'deleteTasks' | 'tasksInStatus' | 'flush'
> {
  const { clock, tasks, locks, schedules, read, write, getTasks } = state;
  return {
    async createTask(task, usage) {
      const record = newRecord(task);
      patch(record, createdCost(task, usage, bodyTtl(state.retention, task.eta ?? clock())));
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
  const { clear: clearPermits, ...permits } = memoryPermits();
  const { clear: clearParked, ...parking } = memoryParking(s);
  const records = recordVerbs(s);
  const tasks = {
    ...records,
    ...runVerbs(s),
    ...endVerbs(s),
    ...deadLetterVerbs(s),
    ...lockAndScheduleVerbs(s),
    ...permits,
    ...parking,
    flush: () => records.flush().then(clearPermits).then(clearParked),
  };
  return { ...tasks, ...workflowVerbs(s, tasks.flush) };
}
