import { SkytaskError } from './errors.js';
import { DEFAULT_QUEUE } from './job-queue.js';
import { PRIORITIES, type Priority } from './priority.js';
import { envValue, SECONDS_PER_DAY, SETTINGS, type Setting } from './settings.js';

/** A routed queue's SQS queues: one lane per priority, and its dead-letter queue. URLs. */
export type QueueUrls = Record<Priority | 'dlq', string>;

/**
 * Everything skytask reads from the environment, the same on AWS and locally. The
 * variables' names and defaults are in lib/settings.ts (`SETTINGS`).
 */
export interface SkytaskConfig {
  /** SKYTASK_TABLE. */
  table: string;
  /** SKYTASK_QUEUE_URL. */
  queueUrl: string;
  /** SKYTASK_DLQ_URL. */
  dlqUrl?: string;
  /** SKYTASK_QUEUES: each routed queue's lanes and dead-letter queue, as SQS queue URLs. */
  queues?: Record<string, QueueUrls>;
  /** AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS: the local emulators. */
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
  /** SKYTASK_EVENT_BUS: where task events go (docs/events.md); none without. */
  eventBus?: string;
  /** AWS_ENDPOINT_URL_EVENTBRIDGE: the local PutEvents endpoint. */
  eventbridgeEndpoint?: string;
  /** SKYTASK_PAYLOAD_BUCKET: kwargs and results over the item budget (docs/payloads.md). */
  payloadBucket?: string;
  /** AWS_ENDPOINT_URL_S3: the local S3 emulator. */
  s3Endpoint?: string;
  /** SKYTASK_CONCURRENCY: tasks run at once per consumer batch. @default 5 */
  concurrency: number;
  /** SKYTASK_LEASE_SECONDS. @default 60 */
  leaseSeconds: number;
  /** SKYTASK_RETENTION_DAYS, in seconds: how long ready tasks are kept. @default 7 days */
  retentionSeconds: number;
  /** SKYTASK_MAX_RECEIVE_COUNT: the queue's redrive maxReceiveCount. @default 5 */
  maxReceiveCount: number;
  /** SKYTASK_RECONCILE_AFTER: seconds without progress before the reconciler re-sends. @default 300 */
  reconcileAfter: number;
  /** SKYTASK_MAX_RESENDS: re-sends per task by the reconciler. @default 5 */
  maxResends: number;
  /**
   * One-off tasks due beyond SQS's 15 minutes, on AWS: EventBridge Scheduler one-time
   * schedules in group SKYTASK_TIMER_GROUP, sending to the queue SKYTASK_QUEUE_ARN as the
   * role SKYTASK_TIMER_ROLE_ARN. All three or none (then such tasks are refused). What a
   * schedule cannot deliver goes to SKYTASK_DLQ_ARN when it is set.
   */
  timer?: { groupName: string; roleArn: string; queueArn: string; deadLetterArn?: string };
  /** SKYTASK_METRICS_NAMESPACE: the task metrics' CloudWatch namespace; none, no metrics. */
  metricsNamespace?: string;
}

/**
 * CloudWatch's namespace rule: 1-255 of `A-Z a-z 0-9 . - _ / # :`, not starting `AWS/`
 * (AWS: CloudWatch API Reference, PutMetricData `Namespace`).
 */
function namespaceFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const namespace = envValue(SETTINGS.metricsNamespace, env);
  if (namespace !== undefined && (!/^[A-Za-z0-9.\-_/#:]{1,255}$/.test(namespace) || namespace.startsWith('AWS/'))) {
    throw new SkytaskError(
      `${SETTINGS.metricsNamespace.env} must be 1-255 of A-Z a-z 0-9 . - _ / # : and not start with AWS/, not "${namespace}"`,
    );
  }
  return namespace;
}

/** A positive whole number from the environment (a count), or the setting's default. */
function count(env: NodeJS.ProcessEnv, setting: Setting & { default: number }): number {
  const n = positive(env, setting);
  if (!Number.isInteger(n)) throw new SkytaskError(`${setting.env} must be a whole number, not "${env[setting.env]}"`);
  return n;
}

/** A positive number from the environment, or the setting's default. */
function positive(env: NodeJS.ProcessEnv, setting: Setting & { default: number }): number {
  const raw = envValue(setting, env);
  if (raw === undefined) return setting.default;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new SkytaskError(`${setting.env} must be a positive number, not "${raw}"`);
  return n;
}

/**
 * The runtime's settings from the environment (lib/settings.ts lists them), as every
 * Lambda function and the local stack read them.
 *
 * @example
 * const config = configFromEnv(); // SKYTASK_TABLE, SKYTASK_QUEUE_URL, …
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): SkytaskConfig {
  const table = envValue(SETTINGS.table, env);
  const queueUrl = envValue(SETTINGS.queueUrl, env);
  if (!table || !queueUrl) {
    throw new SkytaskError(`${SETTINGS.table.env} and ${SETTINGS.queueUrl.env} must be set`);
  }
  return {
    table,
    queueUrl,
    dlqUrl: envValue(SETTINGS.dlqUrl, env),
    queues: queuesFromEnv(env, queueUrl),
    dynamodbEndpoint: envValue(SETTINGS.dynamodbEndpoint, env),
    sqsEndpoint: envValue(SETTINGS.sqsEndpoint, env),
    eventBus: envValue(SETTINGS.eventBus, env),
    eventbridgeEndpoint: envValue(SETTINGS.eventbridgeEndpoint, env),
    payloadBucket: envValue(SETTINGS.payloadBucket, env),
    s3Endpoint: envValue(SETTINGS.s3Endpoint, env),
    concurrency: count(env, SETTINGS.concurrency),
    leaseSeconds: positive(env, SETTINGS.leaseSeconds),
    retentionSeconds: positive(env, SETTINGS.retentionDays) * SECONDS_PER_DAY,
    maxReceiveCount: count(env, SETTINGS.maxReceiveCount),
    reconcileAfter: positive(env, SETTINGS.reconcileAfter),
    maxResends: count(env, SETTINGS.maxResends),
    timer: timerFromEnv(env),
    metricsNamespace: namespaceFromEnv(env),
  };
}

function timerFromEnv(env: NodeJS.ProcessEnv): SkytaskConfig['timer'] {
  const groupName = envValue(SETTINGS.timerGroup, env);
  const roleArn = envValue(SETTINGS.timerRoleArn, env);
  const queueArn = envValue(SETTINGS.queueArn, env);
  if (!groupName && !roleArn) return undefined;
  if (!groupName || !roleArn || !queueArn) {
    const { timerGroup, timerRoleArn, queueArn: arn } = SETTINGS;
    throw new SkytaskError(`${timerGroup.env}, ${timerRoleArn.env} and ${arn.env} go together`);
  }
  return { groupName, roleArn, queueArn, deadLetterArn: envValue(SETTINGS.deadLetterQueueArn, env) };
}

/**
 * SKYTASK_QUEUES, its names resolved against the task queue's URL (queues of one account and
 * region share all of it but the name). Throws SkytaskError naming the variable when it is
 * not JSON of that shape, or has no `default` queue.
 */
function queuesFromEnv(env: NodeJS.ProcessEnv, queueUrl: string): SkytaskConfig['queues'] {
  const raw = envValue(SETTINGS.queues, env);
  if (raw === undefined) return undefined;
  const bad = (why: string) => new SkytaskError(`${SETTINGS.queues.env} ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad('is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || !(DEFAULT_QUEUE in parsed)) {
    throw bad(`must be a JSON object of queues, "${DEFAULT_QUEUE}" among them`);
  }
  const keys = [...PRIORITIES, 'dlq'] as const;
  return Object.fromEntries(
    Object.entries(parsed as Record<string, Record<string, unknown>>).map(([queue, names]) => {
      if (!keys.every((k) => typeof names?.[k] === 'string' && names[k])) {
        throw bad(`: queue "${queue}" needs the SQS queue names ${keys.join(', ')}`);
      }
      // Not `new URL`: the emulator's host (`sqs.us-east-1.127.0.0.1`) is no valid WHATWG host.
      const urls = Object.fromEntries(keys.map((k) => [k, queueUrl.replace(/[^/]*$/, names[k] as string)]));
      return [queue, urls as QueueUrls];
    }),
  );
}
