/** The TaskQueue construct's props with their defaults filled in, and the conflicts that fail the synth. */
import { Duration } from 'aws-cdk-lib';
import { SQS_LIMITS } from '../lib/aws-rules/sqs.js';
import { DEFAULTS, LIMITS, type TaskQueueDefaults } from './defaults.js';
import type { TaskQueueProps } from './task-queue-props.js';
import type { Job } from '../lib/job.js';
import { LAMBDA_MARGIN_SECONDS } from '../lib/consumer/outcome.js';

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
  const timeout = p.consumerTimeout.toSeconds();
  const { visibilityTimeout } = p;
  if (timeout > 900) throw new Error('TaskQueue: consumerTimeout is at most 15 minutes (Lambda)');
  if (visibilityTimeout.toSeconds() < LIMITS.visibilityTimeoutFactor * timeout) {
    throw new Error(
      `TaskQueue: visibilityTimeout (${visibilityTimeout.toSeconds()} s) must be at least ` +
        `${LIMITS.visibilityTimeoutFactor}× consumerTimeout (${timeout} s), as AWS advises for SQS event sources`,
    );
  }
  if (p.rpcTimeout.toSeconds() > LIMITS.maxRpcTimeout.toSeconds()) {
    throw new Error('TaskQueue: rpcTimeout is at most 30 seconds (API Gateway stops the integration then)');
  }
  if (p.batchSize > 10 && p.maxBatchingWindow.toSeconds() === 0) {
    throw new Error('TaskQueue: a batchSize over 10 needs a maxBatchingWindow (SQS event source rule)');
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
 * Jobs that conflict with the props fail the synth: a `timeLimit` the consumer's timeout
 * cannot give (with the 3 s kept for the finish write) would be cut short on every run.
 */
export function checkJobs(jobs: readonly Job[], p: Resolved): void {
  const budget = p.consumerTimeout.toSeconds() - LAMBDA_MARGIN_SECONDS;
  const over = jobs.filter((job) => job.timeLimit !== undefined && job.timeLimit > budget);
  if (over.length) {
    const names = over.map((job) => `${job.name} (${job.timeLimit} s)`).join(', ');
    throw new Error(
      `TaskQueue: timeLimit over consumerTimeout (${p.consumerTimeout.toSeconds()} s) less ${LAMBDA_MARGIN_SECONDS} s ` +
        `for the finish write: ${names}. Raise consumerTimeout (at most 15 minutes) or lower the timeLimit`,
    );
  }
}
