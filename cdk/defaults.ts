import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { TaskQueueProps } from './task-queue.js';

/** The props that have a fixed default (the others default to something the construct creates or derives). */
export type TaskQueueDefaults = Required<Omit<TaskQueueProps, 'jobs' | 'jwt' | 'alarmTopic' | 'visibilityTimeout'>>;

/**
 * Every default of the TaskQueue construct, in one place (the README's "Default
 * settings" table is this object). Layering: these defaults, then the user's props,
 * then what the construct requires (encryption, TLS, authorization) which no prop turns off.
 */
export const DEFAULTS: TaskQueueDefaults = {
  /** The table outlives the stack: tasks and schedule entries are data. */
  removalPolicy: RemovalPolicy.RETAIN,
  /** Ready tasks kept this long before DynamoDB's TTL deletes them (SKYTASK_RETENTION_DAYS). */
  taskRetentionDays: 7,

  consumerTimeout: Duration.minutes(1),
  consumerMemorySize: 512,
  /** Tasks run at once inside one batch (SKYTASK_CONCURRENCY). */
  concurrency: 5,
  batchSize: 10,
  maxBatchingWindow: Duration.seconds(0),
  /** Concurrent consumer invocations the event source may start (SQS allows 2–1000). */
  maxConcurrency: 10,

  /** SQS keeps a message this long; the visibility timeout defaults to 6× the consumer timeout. */
  queueRetentionPeriod: Duration.days(4),
  /**
   * Deliveries before a message is dead-lettered. A delivery that finds its task not due
   * yet (a delay beyond SQS's 15 minutes) or running elsewhere also counts.
   */
  maxReceiveCount: 5,
  /** Longer than the queue's: a standard queue keeps a message's first enqueue time when it moves. */
  deadLetterRetentionPeriod: Duration.days(14),

  /** Under API Gateway's 30 s integration limit; `wait_for_task` answers within 25 s. */
  rpcTimeout: Duration.seconds(29),
  rpcMemorySize: 256,
  /** Steady-state requests per second and burst of the HTTP API stage. */
  throttleRateLimit: 100,
  throttleBurstLimit: 200,

  oldestMessageAgeThreshold: Duration.hours(1),
  logRetention: RetentionDays.ONE_MONTH,
};

/** Hard limits the props are checked against at synth. */
export const LIMITS = {
  /** AWS: keep the queue's visibility timeout ≥ 6× the function timeout for SQS event sources. */
  visibilityTimeoutFactor: 6,
  /** API Gateway HTTP API stops waiting for an integration at 30 s. */
  maxRpcTimeout: Duration.seconds(30),
} as const;
