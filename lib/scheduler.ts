import { ValidationError } from './errors.js';
import type { Job } from './job.js';
import { periodicTaskId } from './keys.js';
import { taskLogger } from './log.js';
import { isSlot, nextSlot, previousSlot, scheduleOf } from './schedule.js';
import type { ScheduleEntry } from './store.js';
import type { Task } from './task.js';
import { type TaskDepsInput, taskDeps } from './tasks/deps.js';
import { queueTask } from './tasks/enqueue.js';

/** What one fire did. */
export interface FireResult {
  /** The slot's task: new, or the one an earlier fire of the slot queued. Null: non-overlap kept it out. */
  task: Task | null;
  /** False when this slot's run was recorded already (a repeated fire), or when it is no slot. */
  recorded: boolean;
  /**
   * False when the time fired is not one of the job's slots: nothing was queued or recorded
   * (a deployed `runEvery` whose period a cron cannot say fires on a finer grid and skips
   * the times in between; lib/eventbridge-schedule.ts).
   */
  slot: boolean;
}

/** A periodic job's schedule as `job_list` shows it. */
export interface JobSchedule {
  job: Job;
  /** Seconds until the next run: 0 when a slot is due and not yet run. Null: no more runs. */
  nextRun: number | null;
  entry?: ScheduleEntry;
}

/** Periodic jobs (Pulsar's scheduler entries): firing a slot, and when each job runs next. */
export interface Scheduler {
  /**
   * Fire a periodic job's run for `slot` (its scheduled time, epoch seconds): queue one task
   * (non-overlap respected), then record the run on the job's schedule entry. Idempotent
   * per (job, slot); a time that is not a slot of the job does nothing. Throws UnknownJobError, or ValidationError for a job that is not periodic.
   */
  fire(jobName: string, slot: number): Promise<FireResult>;
  /** The schedules of these jobs' periodic ones (regular jobs are skipped), with their entries. */
  schedules(jobs: Job[]): Promise<JobSchedule[]>;
}

/**
 * Periodic jobs over the task store and queue: firing a slot, and when each job runs next. The same
 * code serves EventBridge Scheduler (through functions/scheduler.ts) and the local
 * scheduler (local/local-scheduler.ts).
 */
export function createScheduler(input: TaskDepsInput): Scheduler {
  const deps = taskDeps(input);
  const { registry, store, clock, logger } = deps;

  function periodicJob(name: string): Job {
    const job = registry.require(name);
    if (job.type !== 'periodic') throw new ValidationError(`job "${name}" is not periodic`);
    return job;
  }

  return {
    /**
     * Fire a periodic job's run for the slot `slot` (its scheduled time, epoch seconds):
     * queue one task through the backend (non-overlap respected), then record the run on
     * the job's schedule entry. Idempotent per (job, slot): the task id is derived from
     * them, and the entry counts a slot once. A crash between the two steps is repaired
     * by firing the slot again. A time off the job's grid returns before any write.
     */
    async fire(jobName: string, slot: number): Promise<FireResult> {
      const job = periodicJob(jobName);
      if (!isSlot(scheduleOf(job)!, slot)) {
        logger.debug({ job: job.name, time: new Date(slot * 1000).toISOString() }, 'not a slot of the job: skipped');
        return { task: null, recorded: false, slot: false };
      }
      const id = periodicTaskId(job.name, slot);
      const task = await queueTask(deps, job.name, {}, { caller: 'scheduler' }, { derivedId: id });
      const recorded = await store.recordRun({ job: job.name, slot, time: clock(), taskId: task?.id });
      const log = task ? taskLogger(logger, task) : logger.child({ job: job.name });
      const at = new Date(slot * 1000).toISOString();
      if (!task) log.info({ slot: at }, 'periodic run not queued: the previous one is not finished');
      else if (!recorded) log.info({ slot: at }, 'periodic slot fired again: nothing new queued');
      else log.info({ slot: at }, 'periodic run queued');
      return { task, recorded, slot: true };
    },

    /** The schedules of these periodic jobs (regular jobs are skipped), with their entries. */
    async schedules(jobs: Job[]): Promise<JobSchedule[]> {
      const periodic = jobs.filter((j) => j.type === 'periodic');
      if (!periodic.length) return [];
      const entries = await store.getScheduleEntries(periodic.map((j) => j.name));
      const now = clock();
      return periodic.map((job) => {
        const schedule = scheduleOf(job)!;
        const entry = entries.get(job.name);
        // Due: a slot has come since the last recorded run (a job that never ran waits for
        // its first slot, as a freshly deployed schedule does).
        const due = entry !== undefined && (previousSlot(schedule, now) ?? -Infinity) > entry.lastSlot;
        const next = nextSlot(schedule, now);
        const nextRun = due ? 0 : next === undefined ? null : next - now;
        return { job, nextRun, entry };
      });
    },
  };
}
