/**
 * The handler EventBridge Scheduler invokes for a periodic job, over a given scheduler.
 * The Lambda entry (scheduler.ts) builds it from the environment. Apart from the entry so
 * that importing it does not import the jobs (`#jobs`).
 */
import middy from '@middy/core';
import { echo } from '../lib/echo.js';
import type { Logger, Scheduler } from '../lib/index.js';

export interface SchedulerEvent {
  job: string;
  /** ISO 8601, the slot's scheduled time (not the delivery time, which is later on a retry). */
  time: string;
}

/**
 * The handler over a given scheduler. A failed fire is logged (with the job and slot) and
 * thrown, so that EventBridge Scheduler retries it and, past its retries, puts the event on
 * the schedules' dead-letter queue; a fire is idempotent per slot.
 */
export function createSchedulerHandler(scheduler: Scheduler, logger?: Logger) {
  return middy<SchedulerEvent, { task_id: string | null; recorded: boolean }>().handler(async (event) => {
    // Only a string is parsed: Date.parse(String(x)) of a deeply nested array overflows the stack.
    const slot = typeof event?.time === 'string' ? Date.parse(event.time) / 1000 : Number.NaN;
    if (typeof event?.job !== 'string' || !event.job || !Number.isFinite(slot)) {
      // Echoed bounded: an event on the dead-letter queue can be replayed by anyone with access.
      const error = new Error(`not a scheduler event: job ${echo(event?.job)}, time ${echo(event?.time)}`);
      logger?.error({ err: error }, 'scheduler event refused');
      throw error;
    }
    try {
      const { task, recorded } = await scheduler.fire(event.job, slot);
      return { task_id: task?.id ?? null, recorded };
    } catch (err) {
      logger?.error({ err, job: event.job, slot }, 'periodic fire failed: EventBridge Scheduler retries it');
      throw err;
    }
  });
}
