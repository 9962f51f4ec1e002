/** The conflicts among the TaskQueue construct's props that fail the synth. */
import type { Duration } from 'aws-cdk-lib';
import { LIMITS, type TaskQueueDefaults } from './defaults.js';
import type { TaskQueueProps } from './task-queue-props.js';

/** The props with the defaults filled in. */
export type Resolved = TaskQueueDefaults & TaskQueueProps;

/** Conflicts fail the synth, with the rule that was broken. */
export function checkProps(p: Resolved, visibilityTimeout: Duration): void {
  const timeout = p.consumerTimeout.toSeconds();
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
  if (!Number.isInteger(p.maxReceiveCount) || p.maxReceiveCount < 1 || p.maxReceiveCount > 1000) {
    throw new Error('TaskQueue: maxReceiveCount is a whole number from 1 to 1000 (SQS redrive policy)');
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
