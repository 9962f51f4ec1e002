import { SkytaskError } from './errors.js';
import { envValue, SECONDS_PER_DAY, SETTINGS, type Setting } from './settings.js';

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
  /** AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS: the local emulators. */
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
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
    dynamodbEndpoint: envValue(SETTINGS.dynamodbEndpoint, env),
    sqsEndpoint: envValue(SETTINGS.sqsEndpoint, env),
    payloadBucket: envValue(SETTINGS.payloadBucket, env),
    s3Endpoint: envValue(SETTINGS.s3Endpoint, env),
    concurrency: count(env, SETTINGS.concurrency),
    leaseSeconds: positive(env, SETTINGS.leaseSeconds),
    retentionSeconds: positive(env, SETTINGS.retentionDays) * SECONDS_PER_DAY,
    maxReceiveCount: count(env, SETTINGS.maxReceiveCount),
    reconcileAfter: positive(env, SETTINGS.reconcileAfter),
    maxResends: count(env, SETTINGS.maxResends),
    timer: timerFromEnv(env),
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
