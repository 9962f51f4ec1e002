import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { QUEUE_SETTINGS, SETTINGS } from '../lib/settings.js';
import type { TaskQueueProps } from './task-queue-props.js';

/**
 * The props without a fixed default: `jobs` is required, the others default to something
 * the construct creates or derives. Every other prop is in `DEFAULTS` (the type says so).
 */
export const PROPS_WITHOUT_DEFAULT = [
  'jobs',
  'jwt',
  'alarmTopic',
  'visibilityTimeout',
  'events',
  'lowMaxConcurrency',
] as const;

/** The props that have a fixed default. */
export type TaskQueueDefaults = Required<Omit<TaskQueueProps, (typeof PROPS_WITHOUT_DEFAULT)[number]>>;

/**
 * Every default of the TaskQueue construct, in one place (the "Props and default
 * settings" table of docs/deploy.md is this object; test/unit/settings-docs.test.ts
 * checks it). The values the functions also read from their environment come from
 * lib/settings.ts. Layering: these defaults, then the user's props, then what the
 * construct requires (encryption, TLS, authorization) which no prop turns off. How
 * `batchSize`, `concurrency`, `consumerTimeout` and the visibility timeout fit together
 * (57 s of run time, two waves of five, tasks up to 28.5 s per full batch): docs/deploy.md,
 * "The defaults, and the arithmetic behind them".
 */
export const DEFAULTS: TaskQueueDefaults = {
  /** The table outlives the stack: tasks and schedule entries are data. */
  removalPolicy: RemovalPolicy.RETAIN,
  /** Ready tasks kept this long before DynamoDB's TTL deletes them (SKYTASK_RETENTION_DAYS). */
  taskRetentionDays: SETTINGS.retentionDays.default,

  /** Also the claim's lease (SKYTASK_LEASE_SECONDS), whose default it is. */
  consumerTimeout: Duration.seconds(SETTINGS.leaseSeconds.default),
  consumerMemorySize: 512,
  /** Tasks run at once inside one batch (SKYTASK_CONCURRENCY). */
  concurrency: SETTINGS.concurrency.default,
  /**
   * No more messages a batch than run at once: every message of a batch then starts with
   * the invocation's whole time, so none is deferred for want of it (docs/reliability.md).
   */
  batchSize: SETTINGS.concurrency.default,
  maxBatchingWindow: Duration.seconds(0),
  /** Concurrent consumer invocations the event source may start (SQS allows 2–1000). */
  maxConcurrency: 10,

  /** SQS keeps a message this long; the visibility timeout defaults to 6× the consumer timeout. */
  queueRetentionPeriod: Duration.days(4),
  /**
   * Deliveries before a message is dead-lettered. Only failing deliveries come back: an
   * early delivery is sent again for its due time and a duplicate of a running task is
   * dropped, so neither spends the budget of a message that keeps failing.
   */
  maxReceiveCount: SETTINGS.maxReceiveCount.default,
  /** Longer than the queue's: a standard queue keeps a message's first enqueue time when it moves. */
  deadLetterRetentionPeriod: Duration.days(QUEUE_SETTINGS.deadLetterRetentionDays),

  /** Under API Gateway's 30 s integration limit; `wait_for_task` answers within 25 s. */
  rpcTimeout: Duration.seconds(29),
  rpcMemorySize: 256,
  /** Steady-state requests per second and burst of the HTTP API stage. */
  throttleRateLimit: 100,
  throttleBurstLimit: 200,

  /** How often the reconciler runs (EventBridge Scheduler). */
  reconcileEvery: Duration.minutes(5),
  /** A task that has not progressed for this long gets its message again (SKYTASK_RECONCILE_AFTER). */
  reconcileAfter: Duration.seconds(SETTINGS.reconcileAfter.default),
  /** Re-sends per task by the reconciler, the wait doubling each time (SKYTASK_MAX_RESENDS). */
  maxResends: SETTINGS.maxResends.default,

  oldestMessageAgeThreshold: Duration.hours(1),
  logRetention: RetentionDays.ONE_MONTH,
  /** Task metrics as EMF lines (SKYTASK_METRICS_NAMESPACE), and the CloudWatch dashboard. */
  metrics: true,
  dashboard: true,
};

/** The functions that are not sized by props: short, bounded work. */
export const FUNCTIONS = {
  /** One fire: a handful of DynamoDB writes and one SendMessage. */
  scheduler: { timeout: Duration.seconds(30), memorySize: 256, asyncRetryAttempts: 2 },
  /**
   * One pass over the unfinished tasks. A run that fails is not retried (the next one
   * comes within `reconcileEvery`); it lands on the schedule dead-letter queue, which alarms.
   */
  reconciler: { timeout: Duration.minutes(5), memorySize: 256, asyncRetryAttempts: 0 },
} as const;

/** The retry policy of every recurring schedule (periodic jobs, reconciler). */
export const SCHEDULES = {
  /**
   * Scheduler retries only the invoke call (it invokes asynchronously), so a retry is
   * rare and a fire is idempotent per slot. Past an hour a missed run is reported (dead-
   * letter queue, alarm) rather than run late.
   */
  maximumEventAge: Duration.hours(1),
  /** EventBridge's maximum: the event age above is the bound. */
  maximumRetryAttempts: 185,
} as const;

/** Hard limits the props are checked against at synth. */
export const LIMITS = {
  /** AWS: keep the queue's visibility timeout ≥ 6× the function timeout for SQS event sources. */
  visibilityTimeoutFactor: 6,
  /** API Gateway HTTP API stops waiting for an integration at 30 s. */
  maxRpcTimeout: Duration.seconds(30),
} as const;
