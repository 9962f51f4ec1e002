/** The TaskQueue construct's props. Their defaults are in defaults.ts, their conflicts in resolve-props.ts. */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/** A JWT authorizer for `POST /rpc` instead of IAM (e.g. Amazon Cognito, Auth0, Okta). */
export interface TaskQueueJwtOptions {
  /** The issuer URL, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values. */
  readonly audience: string[];
  /**
   * Scopes the token must carry, one of them suffices.
   * @default - none: any valid token of the issuer and audience
   */
  readonly scopes?: string[];
  /**
   * Scopes that allow the read-only route `POST /rpc/read`, besides `scopes`; one suffices.
   * @default - the read route takes the same scopes as `POST /rpc`
   */
  readonly readScopes?: string[];
}

export interface TaskQueueProps {
  /**
   * Path of the team's jobs module (absolute, or relative to the directory the CDK app
   * runs in). It is bundled into every function in place of the handlers' `#jobs` import.
   */
  readonly jobs: string;

  /**
   * What happens to the task table (and the log groups) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days a ready task is kept before DynamoDB's TTL deletes it (SKYTASK_RETENTION_DAYS).
   * @default 7
   */
  readonly taskRetentionDays?: number;
  /**
   * Task events (docs/events.md): `true` creates an EventBridge bus, or give one; the jobs
   * with `events: true` send their tasks' state changes to it (SKYTASK_EVENT_BUS), and the
   * functions may PutEvents on that bus only.
   * @default - none: no task events
   */
  readonly events?: boolean | IEventBus;

  /**
   * Consumer function timeout: the longest a task may run. Also the claim's lease
   * (SKYTASK_LEASE_SECONDS), so a crashed run is reclaimed once it has surely ended.
   * @default Duration.minutes(1)
   */
  readonly consumerTimeout?: Duration;
  /**
   * Consumer function memory, in MB.
   * @default 512
   */
  readonly consumerMemorySize?: number;
  /**
   * Tasks one consumer invocation runs at once (SKYTASK_CONCURRENCY).
   * @default 5
   */
  readonly concurrency?: number;
  /**
   * Messages per consumer invocation (1–10,000; above 10 needs `maxBatchingWindow`). Above
   * `concurrency`, a batch's last messages start late, and those left too little time for a
   * fair run are deferred (docs/reliability.md).
   * @default 5
   */
  readonly batchSize?: number;
  /**
   * How long the event source gathers messages before invoking (≤ 5 minutes).
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Concurrent consumer invocations the SQS event source may start (2–1000).
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Concurrent consumer invocations the default queue's low-priority lane may start (2–1000):
   * what a low backlog can take of the consumer (docs/routing.md). The high and default lanes
   * each take `maxConcurrency`.
   * @default max(2, ⌈maxConcurrency / 4⌉)
   */
  readonly lowMaxConcurrency?: number;

  /**
   * The task queue's visibility timeout; must be at least 6× `consumerTimeout`.
   * @default 6 × consumerTimeout
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the task queue keeps a message.
   * @default Duration.days(4)
   */
  readonly queueRetentionPeriod?: Duration;
  /**
   * Deliveries of a message before SQS moves it to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the dead-letter queue keeps a message; at least `queueRetentionPeriod`.
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;

  /**
   * JSON-RPC function timeout (≤ 30 s, API Gateway's integration limit).
   * @default Duration.seconds(29)
   */
  readonly rpcTimeout?: Duration;
  /**
   * JSON-RPC function memory, in MB.
   * @default 256
   */
  readonly rpcMemorySize?: number;
  /**
   * Authorize `POST /rpc` with JWTs instead of IAM (SigV4).
   * @default - IAM authorization: callers sign requests; grant them with `grantInvoke`
   */
  readonly jwt?: TaskQueueJwtOptions;
  /**
   * Steady-state requests per second of the HTTP API.
   * @default 100
   */
  readonly throttleRateLimit?: number;
  /**
   * Burst of requests of the HTTP API.
   * @default 200
   */
  readonly throttleBurstLimit?: number;

  /**
   * How often the reconciler runs: it sends again the message of tasks that have not
   * progressed (a lost message, a producer that died between its two writes).
   * @default Duration.minutes(5)
   */
  readonly reconcileEvery?: Duration;
  /**
   * How long a task may go without progress before the reconciler re-sends its message
   * (SKYTASK_RECONCILE_AFTER); the wait doubles with each re-send.
   * @default Duration.minutes(5)
   */
  readonly reconcileAfter?: Duration;
  /**
   * Re-sends per task by the reconciler (SKYTASK_MAX_RESENDS); a running task still stuck
   * after them is recorded FAILURE.
   * @default 5
   */
  readonly maxResends?: number;

  /**
   * Where the alarms go.
   * @default - a new SNS topic (TLS enforced), the `alarmTopic` field
   */
  readonly alarmTopic?: ITopic;
  /**
   * Alarm when the oldest message in the task queue is older than this. Delayed tasks
   * count from when they were queued: keep it above the longest delay you use.
   * @default Duration.hours(1)
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * Retention of the functions' logs and the API's access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Task metrics per job (started, succeeded, failed, retried, revoked, run duration, queue
   * wait) as EMF lines in the functions' logs, in the namespace `skytask/<construct path>`
   * (SKYTASK_METRICS_NAMESPACE). No API call; CloudWatch bills each metric and job as a
   * custom metric (docs/observability.md).
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * A CloudWatch dashboard: the task metrics per job (with `metrics`) and the alarms.
   * @default true
   */
  readonly dashboard?: boolean;
}
