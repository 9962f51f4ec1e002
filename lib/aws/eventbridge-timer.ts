import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { encodeEnvelope, type Envelope } from '../envelope.js';
import type { TaskTimer } from '../timer.js';
import { type Backoff, retryThrottled, SCHEDULER_THROTTLE_BACKOFF } from './backoff.js';

export interface EventBridgeTimerOptions {
  client: SchedulerClient;
  /** The schedule group the one-time schedules go in (SKYTASK_TIMER_GROUP). */
  groupName: string;
  /** The role EventBridge Scheduler assumes to send to the queue (SKYTASK_TIMER_ROLE_ARN). */
  roleArn: string;
  /** The task queue's ARN (SKYTASK_QUEUE_ARN). */
  queueArn: string;
  /**
   * The dead-letter queue's ARN (SKYTASK_DLQ_ARN): what Scheduler could not send to the task
   * queue within its retry policy goes there, the task's envelope as the body, so the
   * dead-letter alarm fires and `redrive_dead_letters` queues the task again. Without it
   * such a task waits for the reconciler (past its due time + reconcileAfter).
   */
  deadLetterArn?: string;
  /** How a throttled CreateSchedule is tried again, past the SDK's own retries. @default SCHEDULER_THROTTLE_BACKOFF */
  backoff?: Backoff;
}

/**
 * The schedule's name: unique per task (this is what makes arming idempotent), within
 * EventBridge's 64 characters of [0-9A-Za-z_.-]. Ids that do not fit are hashed.
 */
export function timerScheduleName(taskId: string): string {
  return /^[0-9A-Za-z_.-]{1,62}$/.test(taskId)
    ? `t-${taskId}`
    : `h-${createHash('sha256').update(taskId).digest('hex').slice(0, 48)}`;
}

/**
 * The CreateSchedule request for a task due at `dueAt`: a one-time `at()` schedule in UTC
 * that sends the task's envelope to the queue (or, failing that for a day, to the
 * dead-letter queue) and deletes itself after it fired. The
 * time is rounded up to the second (never early; EventBridge fires within its minute).
 */
export function atScheduleInput(
  envelope: Omit<Envelope, 'v'>,
  dueAt: number,
  options: Omit<EventBridgeTimerOptions, 'client' | 'backoff'>,
): CreateScheduleCommandInput {
  const at = new Date(Math.ceil(dueAt) * 1000).toISOString().slice(0, 19);
  return {
    Name: timerScheduleName(envelope.id),
    GroupName: options.groupName,
    ScheduleExpression: `at(${at})`,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: `skytask task ${envelope.id} of job ${envelope.job}`.slice(0, 512),
    Target: {
      Arn: options.queueArn,
      RoleArn: options.roleArn,
      Input: encodeEnvelope(envelope),
      // If the queue cannot be reached at the due time, keep trying for a day.
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      ...(options.deadLetterArn && { DeadLetterConfig: { Arn: options.deadLetterArn } }),
    },
  };
}

/**
 * The EventBridge Scheduler adapter of the timer port. A CreateSchedule throttled past the
 * SDK's retries (the Region's rate quota) is tried again after a jittered, growing wait
 * (`backoff`); the last throttling error is thrown.
 */
export function createEventBridgeTimer({ client, backoff, ...options }: EventBridgeTimerOptions): TaskTimer {
  return {
    async arm(envelope, dueAt) {
      const input = atScheduleInput(envelope, dueAt, options);
      try {
        await retryThrottled(
          () => client.send(new CreateScheduleCommand(input)),
          backoff ?? SCHEDULER_THROTTLE_BACKOFF,
        );
      } catch (err) {
        // A schedule of that name exists: this task is armed already (a retried enqueue).
        if (err instanceof ConflictException || (err as Error)?.name === 'ConflictException') return;
        throw err;
      }
    },
  };
}
