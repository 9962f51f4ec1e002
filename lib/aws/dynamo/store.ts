import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SECONDS_PER_DAY, SETTINGS } from '../../settings.js';
import type { TaskStore } from '../../store.js';
import { acquireLock, releaseLock } from './locks.js';
import { parkVerbs } from './parking.js';
import { permitVerbs } from './permits.js';
import { getTask, getTasks, queryTasks, tasksInStatus } from './queries.js';
import { clearEvents } from './outbox.js';
import { getScheduleEntries, recordRun } from './schedule-entries.js';
import { flushTable, type TaskTable } from './table.js';
import * as ends from './task-ends.js';
import * as writes from './task-writes.js';
import { workflowVerbs } from './workflows.js';

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** Seconds a ready task is kept before its TTL deletes it. @default 7 days */
  retentionSeconds?: number;
  /** Whether a job's state changes go through the outbox of task events (outbox.ts). @default none */
  outbox?: (job: string) => boolean;
}

/**
 * The DynamoDB adapter of the task store: one table (lib/keys.ts builds every key), a task
 * a head item and the side items it names — a body for large kwargs, a fail item after a
 * RETRY — (item.ts, side-items.ts). The writes are in
 * task-writes.ts (a run's), task-ends.ts (the others), locks.ts and schedule-entries.ts, the
 * reads in queries.ts, workflows and their join in workflows.ts (waiting-writes.ts: the
 * moves of a WAITING task). The store keeps, in memory, the attempts it has claimed until their
 * finish (their head as last written: what a finish counts its write units from) and the job
 * names it has listed: make one store per process and keep it.
 */
export function createDynamoStore(options: DynamoStoreOptions): TaskStore {
  const table: TaskTable = {
    doc: DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } }),
    name: options.table,
    retentionSeconds: options.retentionSeconds ?? SETTINGS.retentionDays.default * SECONDS_PER_DAY,
    jobsListed: new Set(),
    running: new Map(),
    outbox: options.outbox,
  };
  return {
    createTask: (task, usage) => writes.createTask(table, task, Date.now() / 1000, usage),
    getTask: (id) => getTask(table, id),
    getTasks: (ids) => getTasks(table, ids),
    queryTasks: (query) => queryTasks(table, query),
    claimTask: (claim) => writes.claimTask(table, claim),
    finishTask: (id, attempt, outcome) => writes.finishTask(table, id, attempt, outcome),
    extendLease: (id, attempt, leaseUntil, progress) => writes.extendLease(table, id, attempt, leaseUntil, progress),
    requestRevoke: (id) => ends.requestRevoke(table, id),
    endIdle: (id, end) => ends.endIdle(table, id, end),
    markResent: (id, seen) => ends.markResent(table, id, seen),
    requeue: (id) => ends.requeue(table, id, Date.now() / 1000),
    clearDeadLettered: (id) => ends.clearDeadLettered(table, id),
    setSendError: (id, message) => ends.setSendError(table, id, message),
    deleteTasks: (ids) => ends.deleteTasks(table, ids, Date.now() / 1000),
    acquireLock: (lockId, taskId, replacing) => acquireLock(table, lockId, taskId, replacing),
    releaseLock: (lockId, taskId) => releaseLock(table, lockId, taskId),
    recordRun: (run) => recordRun(table, run),
    getScheduleEntries: (jobs) => getScheduleEntries(table, jobs),
    tasksInStatus: (statuses) => tasksInStatus(table, statuses),
    clearEvents: (id, marks) => clearEvents(table, id, marks),
    flush: () => flushTable(table),
    ...workflowVerbs(table),
    ...permitVerbs(table),
    ...parkVerbs(table),
  };
}
