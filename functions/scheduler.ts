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
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime } from '../lib/index.js';
import { createSchedulerHandler, type SchedulerEvent } from './scheduler-handler.js';

let fromEnv: ReturnType<typeof createSchedulerHandler> | undefined;
export const handler = (event: SchedulerEvent, context: any) => {
  if (!fromEnv) {
    const runtime = createRuntime(configFromEnv(), createRegistry(jobs), createLogger());
    fromEnv = createSchedulerHandler(runtime.scheduler, runtime.logger);
  }
  return fromEnv(event, context);
};
