import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Resolved } from './resolve-props.js';

/** The SQS queues of a TaskQueue. */
export interface TaskQueues {
  /** The task queue: one message per task to run. */
  readonly queue: Queue;
  /** Where SQS moves a message after `maxReceiveCount` deliveries. */
  readonly deadLetterQueue: Queue;
  /** Where the recurring schedules and the functions they invoke put a run that failed. */
  readonly scheduleDeadLetterQueue: Queue;
}

/** The task queue, its dead-letter queue, and the schedules' dead-letter queue: encrypted, TLS only. */
export function createTaskQueues(
  scope: Construct,
  p: Pick<Resolved, 'visibilityTimeout' | 'queueRetentionPeriod' | 'maxReceiveCount' | 'deadLetterRetentionPeriod'>,
): TaskQueues {
  const deadLetterQueue = new Queue(scope, 'DeadLetterQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: p.deadLetterRetentionPeriod,
  });
  const queue = new Queue(scope, 'Queue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: p.visibilityTimeout,
    retentionPeriod: p.queueRetentionPeriod,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: p.maxReceiveCount },
  });
  // Its own queue, not the task DLQ: its bodies are schedule events, not task messages
  // (redrive_dead_letters would skip them forever), and they are replayed differently.
  const scheduleDeadLetterQueue = new Queue(scope, 'ScheduleDeadLetterQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: p.deadLetterRetentionPeriod,
  });
  return { queue, deadLetterQueue, scheduleDeadLetterQueue };
}
