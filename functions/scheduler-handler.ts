/**
 * The handler EventBridge Scheduler invokes for a periodic job, over a given scheduler.
 * The Lambda entry (scheduler.ts) builds it from the environment. Apart from the entry so
 * that importing it does not import the jobs (`#jobs`).
 */
import middy from '@middy/core';
import type { Scheduler } from '../lib/index.js';

export interface SchedulerEvent {
  job: string;
  /** ISO 8601, the slot's scheduled time (not the delivery time, which is later on a retry). */
  time: string;
}

export function createSchedulerHandler(scheduler: Scheduler) {
  return middy<SchedulerEvent, { task_id: string | null; recorded: boolean }>().handler(async (event) => {
    const slot = Date.parse(event.time) / 1000;
    if (!event.job || !Number.isFinite(slot)) throw new Error(`not a scheduler event: ${JSON.stringify(event)}`);
    const { task, recorded } = await scheduler.fire(event.job, slot);
    return { task_id: task?.id ?? null, recorded };
  });
}
