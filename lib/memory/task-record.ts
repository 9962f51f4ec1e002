import { shownCost } from '../task-items.js';
import { type Item, withFailure } from '../task-side-items.js';
import { progressOfText } from '../progress.js';
import { timeSortKey } from '../keys.js';
import { isIdle, OPTIONAL_FIELDS, type Task, type TaskCost } from '../task.js';

/**
 * A task as the memory store keeps it: the DynamoDB adapter's item, field for field, in
 * camelCase. kwargs, result and errors are JSON text, as the adapter stores them, so a
 * value that is not plain JSON (an undefined field, a Date, NaN) reads back as it does
 * there. Every other field is a string, number or boolean: a spread is a deep copy.
 */
export interface TaskRecord extends Omit<Task, 'kwargs' | 'result' | 'errors' | 'cost' | 'progress'> {
  kwargsJson?: string;
  /** The adapter's `progress` attribute (lib/progress.ts). */
  progressJson?: string;
  resultJson?: string;
  errorsJson?: string;
  /** Epoch seconds after which the record reads as absent (ready tasks only). */
  ttl?: number;
  /** The listing order: `timeSortKey(timeQueued, id)`, as the adapter's index sort key. */
  sortKey: string;
  /** What the task consumed so far, as the adapter's head counts it (memory-cost.ts); shown once recorded (`shownCost`). */
  spent?: Partial<TaskCost>;
  /** Where the adapter would keep kwargs and caller: in the head (true) or a body. */
  inline?: boolean;
  /** The adapter's body: its size in bytes and its TTL. */
  body?: { bytes: number; ttl: number };
  /**
   * The adapter's fail item, as it would be (lib/task-side-items.ts `failItem`): a RETRY's
   * error, stack and history, which fill those the record's own `error`, `stack` and
   * `errorsJson` (the head's) lack. Never changed but for its `ttl`.
   */
  fail?: Item;
}

/** The fields a record keeps as they are, besides id, name, status, timeQueued and attempts. */
const COPIED: readonly (keyof Task & keyof TaskRecord)[] = [
  ...OPTIONAL_FIELDS.map(([field]) => field as keyof Task & keyof TaskRecord),
  // Bookkeeping that stays off the wire:
  'leaseUntil',
  'sendError',
  'revokeRequested',
  'deadLettered',
  'resends',
  'parked',
];

/** Set each field; an undefined value removes it (as the adapter's update does). */
export function patch(record: TaskRecord, fields: Partial<TaskRecord>): void {
  for (const [key, value] of Object.entries(fields) as [keyof TaskRecord, unknown][]) {
    if (value === undefined) delete record[key];
    else (record as unknown as Record<string, unknown>)[key] = value;
  }
}

/**
 * The record of a new task: what the adapter's create writes, which is the enqueue
 * fields only (run bookkeeping on the given task is not stored). Throws as
 * `JSON.stringify` does for kwargs that cannot be JSON (a BigInt, a cycle).
 */
export function newRecord(task: Task): TaskRecord {
  const record: TaskRecord = { id: task.id, name: task.name, status: task.status } as TaskRecord;
  patch(record, {
    kwargsJson: JSON.stringify(task.kwargs),
    timeQueued: task.timeQueued,
    eta: task.eta,
    expiry: task.expiry,
    attempts: task.attempts,
    fromTask: task.fromTask,
    lockId: task.lockId,
    caller: task.caller,
    traceparent: task.traceparent,
    priority: task.priority,
    sortKey: timeSortKey(task.timeQueued, task.id),
  });
  return record;
}

/** Whether the record's retention has passed at `now`: it then reads as absent. */
export const isExpired = (record: TaskRecord, now: number) => record.ttl !== undefined && record.ttl < now;

/** A fresh task from a record, or undefined when its retention has passed at `now`. */
export function toTask(record: TaskRecord | undefined, now: number): Task | undefined {
  if (!record || isExpired(record, now)) return undefined;
  const task: Task = {
    id: record.id,
    name: record.name,
    status: record.status,
    kwargs: JSON.parse(record.kwargsJson ?? '{}'),
    timeQueued: record.timeQueued,
    attempts: record.attempts ?? 0,
  };
  if (record.resultJson !== undefined) task.result = JSON.parse(record.resultJson);
  if (record.progressJson !== undefined) task.progress = progressOfText(record.progressJson);
  for (const field of COPIED) {
    if (record[field] !== undefined) (task as unknown as Record<string, unknown>)[field] = record[field];
  }
  // As the adapter reads them: the head's own error, stack and history, else the fail item's.
  const shown = withFailure({ error: record.error, stack: record.stack, errors: record.errorsJson }, record.fail);
  if (shown.error !== undefined) task.error = shown.error;
  if (shown.stack !== undefined) task.stack = shown.stack;
  if (shown.errors !== undefined) task.errors = JSON.parse(shown.errors);
  const cost = shownCost(record.spent);
  if (cost) task.cost = cost;
  return task;
}

/** Claimable at `now`: idle, not expired (not even for a retry), due (SQS may fire a second early), not being revoked. */
export const isClaimable = (r: TaskRecord, now: number) =>
  isIdle(r, now) &&
  (r.expiry === undefined || r.expiry > Math.max(now, r.eta ?? now)) &&
  (r.eta === undefined || r.eta <= now + 1) &&
  r.revokeRequested === undefined;

/** Held by the run of attempt `attempt`. */
export const isHeldBy = (r: TaskRecord, attempt: number) => r.status === 'STARTED' && r.attempts === attempt;
