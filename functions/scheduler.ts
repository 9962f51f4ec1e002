/**
 * Lambda entry point: EventBridge Scheduler fires a periodic job here, one schedule per
 * job, with the input `{ "job": "<name>", "time": "<aws.scheduler.scheduled-time>" }`.
 *
 * Why a function and not a schedule that sends to SQS directly: a fire must write the
 * task record before its message (the consumer drops a message with no record), take
 * the job's non-overlap lock, derive the task id from the slot so that an EventBridge
 * retry queues nothing new, and record the run on the schedule entry. A static SQS
 * message can do none of that.
 */
import middy from '@middy/core';
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime, type Scheduler } from '../lib/index.js';

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

let fromEnv: ReturnType<typeof createSchedulerHandler> | undefined;
export const handler = (event: SchedulerEvent, context: any) => {
  if (!fromEnv) {
    fromEnv = createSchedulerHandler(createRuntime(configFromEnv(), createRegistry(jobs), createLogger()).scheduler);
  }
  return fromEnv(event, context);
};
