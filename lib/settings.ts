/**
 * Every environment variable skytask reads, with its default, in one place: the runtime
 * (`configFromEnv`), the CDK construct that sets the variables on the functions, the local
 * stack and the CLI all take the names and defaults from here. docs/configuration.md is
 * checked against this file by test/unit/settings-docs.test.ts.
 *
 * A pure module (no aws-cdk-lib, no SDK): lib/, local/ and cdk/ can all import it. Numbers
 * are plain numbers in the unit the entry names; cdk/defaults.ts turns them into `Duration`s.
 * Defaults only the construct has (memory sizes, throttling, alarm thresholds) stay in
 * cdk/defaults.ts, which is their one place.
 */

/** What a setting's number counts, as docs/configuration.md writes it after the value. */
export type SettingUnit = 'seconds' | 'days';

/** One environment variable. */
export interface Setting {
  /** The variable's name. */
  readonly env: string;
  /** The value when the variable is unset or empty. Absent: no default (required, or off). */
  readonly default?: number | string;
  /** The unit of a number. Absent: a count, a name or a URL. */
  readonly unit?: SettingUnit;
}

/** The local stack's JSON-RPC port on 127.0.0.1, and so the CLI's default endpoint. */
const LOCAL_PORT = 8060;

/**
 * The environment variables, by the name the code uses for the setting. The same names on
 * AWS and locally (DESIGN.md, "Configuration").
 */
export const SETTINGS = {
  // The runtime: read by configFromEnv (lib/config.ts), on AWS (set by the construct) and locally.

  /** The task table's name. Required. */
  table: { env: 'SKYTASK_TABLE' },
  /** The task queue's URL (the one CreateQueue or GetQueueUrl returned). Required. */
  queueUrl: { env: 'SKYTASK_QUEUE_URL' },
  /** The dead-letter queue's URL: `queue_stats`, `redrive_dead_letters`, and bodies that are no task message. */
  dlqUrl: { env: 'SKYTASK_DLQ_URL' },
  /**
   * Routed queues and priorities (docs/routing.md): JSON, each routed queue's SQS queue names,
   * `{"default":{"high":"…","default":"…","low":"…","dlq":"…"},"reports":{…}}`, `default`
   * among them; each name is resolved against SKYTASK_QUEUE_URL (same account and region).
   * Unset: one queue, SKYTASK_QUEUE_URL, for every job and priority.
   */
  queues: { env: 'SKYTASK_QUEUES' },
  /**
   * Tasks one consumer invocation runs at once (Pulsar's `concurrent_tasks`); locally also
   * the poller's messages in flight.
   */
  concurrency: { env: 'SKYTASK_CONCURRENCY', default: 5 },
  /**
   * Seconds a claim is exclusive between heartbeats. Must be shorter than the queue's
   * visibility timeout, so that a crashed run's message comes back to a lapsed lease. On
   * AWS the construct sets it to the consumer timeout (whose default is this value, so a
   * run has surely ended when its lease lapses); locally it is half the visibility timeout.
   */
  leaseSeconds: { env: 'SKYTASK_LEASE_SECONDS', default: 60, unit: 'seconds' },
  /** Days a ready task is kept before DynamoDB's TTL deletes it (AWS deletes within days of that). */
  retentionDays: { env: 'SKYTASK_RETENTION_DAYS', default: 7, unit: 'days' },
  /**
   * The queue's redrive `maxReceiveCount` (SQS allows 1–1000): on that delivery a failing
   * message's task is recorded FAILURE, before SQS moves the message to the dead-letter queue.
   */
  maxReceiveCount: { env: 'SKYTASK_MAX_RECEIVE_COUNT', default: 5 },
  /** Seconds a task may go without progress before the reconciler sends its message again. */
  reconcileAfter: { env: 'SKYTASK_RECONCILE_AFTER', default: 300, unit: 'seconds' },
  /** Re-sends per task by the reconciler (the wait doubling each time); a task still stuck ends FAILURE. */
  maxResends: { env: 'SKYTASK_MAX_RESENDS', default: 5 },
  /**
   * The timer, on AWS (tasks due beyond SQS's 15-minute DelaySeconds): the EventBridge
   * Scheduler group its one-time schedules go in. With `timerRoleArn` and `queueArn`, all
   * three or none; without them such tasks are refused.
   */
  timerGroup: { env: 'SKYTASK_TIMER_GROUP' },
  /** The timer: the role EventBridge Scheduler assumes to send a due task to the queue. */
  timerRoleArn: { env: 'SKYTASK_TIMER_ROLE_ARN' },
  /** The timer: the task queue's ARN, the one-time schedules' target. */
  queueArn: { env: 'SKYTASK_QUEUE_ARN' },
  /**
   * The timer: the dead-letter queue's ARN, where EventBridge Scheduler puts the envelope of
   * a due task it could not send to the queue (optional; without it such a task waits for
   * the reconciler).
   */
  deadLetterQueueArn: { env: 'SKYTASK_DLQ_ARN' },
  /**
   * The SDK's own variable for a DynamoDB endpoint (the local emulator); unset on AWS. The
   * SQS one is set on the client explicitly: the emulator's queue URLs do not resolve.
   */
  dynamodbEndpoint: { env: 'AWS_ENDPOINT_URL_DYNAMODB' },
  /** The SDK's own variable for an SQS endpoint (the local emulator); unset on AWS. */
  sqsEndpoint: { env: 'AWS_ENDPOINT_URL_SQS' },
  /**
   * The EventBridge bus (name or ARN) task events go to (docs/events.md): the jobs with
   * `events: true` send theirs. Unset: no task events.
   */
  eventBus: { env: 'SKYTASK_EVENT_BUS' },
  /** The SDK's own variable for an EventBridge endpoint (the local stack's PutEvents endpoint); unset on AWS. */
  eventbridgeEndpoint: { env: 'AWS_ENDPOINT_URL_EVENTBRIDGE' },
  /**
   * The CloudWatch namespace of the task metrics, written as EMF lines on stdout
   * (lib/metrics.ts). Unset: no metrics (the local stack's default; the construct sets it).
   */
  metricsNamespace: { env: 'SKYTASK_METRICS_NAMESPACE' },
  /**
   * The S3 bucket for kwargs and results over a task item's budget (docs/payloads.md).
   * Without it, kwargs over 100 KiB are refused and results over 256 KiB fail their task.
   */
  payloadBucket: { env: 'SKYTASK_PAYLOAD_BUCKET' },
  /** The SDK's own variable for an S3 endpoint (the local emulator, path-style); unset on AWS. */
  s3Endpoint: { env: 'AWS_ENDPOINT_URL_S3' },
  /** The log level (pino's names: `debug`, `info`, `warn`, `error`). */
  logLevel: { env: 'SKYTASK_LOG_LEVEL', default: 'info' },

  // The CLI's client commands.

  /**
   * The JSON-RPC endpoint the CLI's client commands call (`--url`). Never derived from the
   * generic `PORT`: that one belongs to whatever else runs in the shell.
   */
  url: { env: 'SKYTASK_URL', default: `http://127.0.0.1:${LOCAL_PORT}/rpc` },
  /** A bearer token for a JWT authorizer (`--token`). */
  token: { env: 'SKYTASK_TOKEN' },

  // The local stack (`skytask start`).

  /** The JSON-RPC port on 127.0.0.1 (`--port`; 0 picks a free port). */
  port: { env: 'SKYTASK_PORT', default: LOCAL_PORT },
  /** The port hosting platforms hand a process; `skytask start` only, when `SKYTASK_PORT` is unset. */
  hostPort: { env: 'PORT' },
  /** The jobs module (`--jobs`); the default is relative to the skytask package: its sample jobs. */
  jobs: { env: 'SKYTASK_JOBS', default: 'examples/jobs.ts' },
  /** Where the DynamoDB emulator keeps its data, and the state files (`--data-dir`; `skytask start` and `stop`). */
  dataDir: { env: 'SKYTASK_DATA_DIR', default: '.skytask' },
  /**
   * The local queue's visibility timeout in seconds; the lease is half of it. (On AWS the
   * construct derives it: 6× the consumer timeout.)
   */
  visibilityTimeout: { env: 'SKYTASK_VISIBILITY_TIMEOUT', default: 60, unit: 'seconds' },
  /**
   * What each batch of the local poller may run, as the consumer function's timeout bounds
   * an invocation on AWS (the construct's `consumerTimeout`, whose default this is): give
   * it the same value, so a job is cut short, or deferred, here as it would be there.
   */
  consumerTimeout: { env: 'SKYTASK_CONSUMER_TIMEOUT', default: 60, unit: 'seconds' },
  /** Seconds Ctrl-C lets running tasks finish before the local stack stops anyway. */
  graceSeconds: { env: 'SKYTASK_GRACE_SECONDS', default: 30, unit: 'seconds' },
  /**
   * Seconds between the local reconciler's runs. (On AWS it is the construct's
   * `reconcileEvery`, whole minutes: EventBridge Scheduler's precision.)
   */
  reconcileEvery: { env: 'SKYTASK_RECONCILE_EVERY', default: 60, unit: 'seconds' },
} as const satisfies Record<string, Setting>;

/** Queue settings with no variable, which the construct and the local stack share. */
export const QUEUE_SETTINGS = {
  /**
   * Days the dead-letter queue keeps a message: SQS's maximum, 14. Longer than the task
   * queue's, because a standard queue keeps a message's first enqueue time when it moves.
   */
  deadLetterRetentionDays: 14,
} as const;

/** Seconds in a day, for the settings counted in days. */
export const SECONDS_PER_DAY = 86_400;

/** A setting's variable when it is set and not empty; an empty variable counts as unset. */
export function envValue(setting: Setting, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[setting.env] || undefined;
}

/**
 * A number setting from the environment, or its default. Zero is allowed (port 0 picks a
 * free port); a negative or non-numeric value throws, naming the variable.
 *
 * @example
 * envNumber(SETTINGS.graceSeconds); // 30 unless SKYTASK_GRACE_SECONDS says otherwise
 */
export function envNumber(setting: Setting & { default: number }, env: NodeJS.ProcessEnv = process.env): number {
  const raw = envValue(setting, env);
  if (raw === undefined) return setting.default;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${setting.env} must be a number ≥ 0, not "${raw}"`);
  return n;
}
