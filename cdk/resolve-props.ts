/** The TaskQueue construct's props with their defaults filled in, and the conflicts that fail the synth. */
import { Duration } from 'aws-cdk-lib';
import { SQS_LIMITS } from '../lib/aws-rules/sqs.js';
import { DEFAULTS, LIMITS, type TaskQueueDefaults } from './defaults.js';
import type { TaskQueueProps } from './task-queue-props.js';
import type { Job } from '../lib/job.js';
import { LAMBDA_MARGIN_SECONDS } from '../lib/consumer/outcome.js';
import { DEFAULT_QUEUE, queueNameOf } from '../lib/job-queue.js';
import { checkQueueSettings, type RoutedQueueSettings, routedQueueSettings } from './routed-queues.js';

/** The props with the defaults filled in, the visibility timeout derived if not given. */
export type Resolved = TaskQueueDefaults & TaskQueueProps & { readonly visibilityTimeout: Duration };

/**
 * Layering: DEFAULTS, then the user's props (an explicit `undefined` keeps the default),
 * then the visibility timeout derived from the consumer timeout. Conflicts throw here.
 */
export function resolveProps(props: TaskQueueProps): Resolved {
  const p = { ...DEFAULTS, ...withoutUndefined(props), jobs: props.jobs };
  const visibilityTimeout =
    p.visibilityTimeout ?? Duration.seconds(p.consumerTimeout.toSeconds() * LIMITS.visibilityTimeoutFactor);
  const resolved = { ...p, visibilityTimeout };
  checkProps(resolved);
  return resolved;
}

function withoutUndefined<T extends object>(props: T): Partial<T> {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Conflicts fail the synth, with the rule that was broken. */
export function checkProps(p: Resolved): void {
  // The default queue's consumer (docs/routing.md: declared queues are checked the same way).
  checkQueueSettings(routedQueueSettings(p, [])[0]);
  if (p.rpcTimeout.toSeconds() > LIMITS.maxRpcTimeout.toSeconds()) {
    throw new Error('TaskQueue: rpcTimeout is at most 30 seconds (API Gateway stops the integration then)');
  }
  if (p.deadLetterRetentionPeriod.toSeconds() < p.queueRetentionPeriod.toSeconds()) {
    throw new Error(
      'TaskQueue: deadLetterRetentionPeriod must be at least queueRetentionPeriod: a dead-lettered message keeps ' +
        'its first enqueue time and would expire on arrival',
    );
  }
  if (!Number.isInteger(p.taskRetentionDays) || p.taskRetentionDays < 1) {
    throw new Error('TaskQueue: taskRetentionDays is a whole number of days, at least 1');
  }
  if (!Number.isInteger(p.maxReceiveCount) || p.maxReceiveCount < 1 || p.maxReceiveCount > SQS_LIMITS.maxReceiveCount) {
    throw new Error(
      `TaskQueue: maxReceiveCount is a whole number from 1 to ${SQS_LIMITS.maxReceiveCount} (SQS redrive policy)`,
    );
  }
  const every = p.reconcileEvery.toSeconds();
  if (every < 60 || every % 60 !== 0) {
    throw new Error('TaskQueue: reconcileEvery is a whole number of minutes, at least 1 (EventBridge Scheduler rate)');
  }
  if (p.reconcileAfter.toSeconds() < 1) throw new Error('TaskQueue: reconcileAfter is at least 1 second');
  if (!Number.isInteger(p.maxResends) || p.maxResends < 1) {
    throw new Error('TaskQueue: maxResends is a whole number, at least 1');
  }
}

/**
 * Jobs that conflict with their queue fail the synth: a `timeLimit` the queue's consumer
 * timeout cannot give (with the 3 s kept for the finish write) would be cut short on every
 * run. The default queue's timeout is `consumerTimeout`; a declared queue's, its `timeout`.
 * Each declared queue's settings are checked as the props are (`checkQueueSettings`).
 */
export function checkJobs(jobs: readonly Job[], queues: readonly RoutedQueueSettings[]): void {
  queues.forEach(checkQueueSettings);
  for (const q of queues) {
    const budget = q.consumerTimeout.toSeconds() - LAMBDA_MARGIN_SECONDS;
    const mine = jobs.filter((job) => queueNameOf(job) === q.name);
    const over = mine.filter((job) => job.timeLimit !== undefined && job.timeLimit > budget);
    if (!over.length) continue;
    const names = over.map((job) => `${job.name} (${job.timeLimit} s)`).join(', ');
    const timeout = q.name === DEFAULT_QUEUE ? 'consumerTimeout' : `the timeout of queue "${q.name}"`;
    throw new Error(
      `TaskQueue: timeLimit over ${timeout} (${q.consumerTimeout.toSeconds()} s) less ${LAMBDA_MARGIN_SECONDS} s ` +
        `for the finish write: ${names}. Raise ${timeout} (at most 15 minutes) or lower the timeLimit`,
    );
  }
}
