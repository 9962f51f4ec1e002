import { SECONDS_PER_DAY, SETTINGS } from '../settings.js';
import type { Task } from '../task.js';
import { systemClock } from '../tasks/deps.js';
import { type TaskRecord, toTask } from './task-record.js';

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
export interface ScheduleRecord {
  job: string;
  lastSlot: number;
  lastRunAt: number;
  runsCount: number;
  lastTaskId?: string;
}

/** The store's state and the conditional-write primitives every verb uses. */
export function memoryState(options: MemoryStoreOptions) {
  const clock = options.clock ?? systemClock;
  const retention = options.retentionSeconds ?? SETTINGS.retentionDays.default * SECONDS_PER_DAY;
  const tasks = new Map<string, TaskRecord>();
  const locks = new Map<string, string>();
  const schedules = new Map<string, ScheduleRecord>();
  /** The write units of the attempts claimed and not finished, by task id (as the adapter keeps them). */
  const running = new Map<string, { attempt: number; units: number }>();

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
  return { clock, retention, tasks, locks, schedules, running, read, write, update, getTasks };
}

export type MemoryState = ReturnType<typeof memoryState>;
