import { SkytaskError } from './errors.js';

/** Everything skytask reads from the environment, the same on AWS and locally. */
export interface SkytaskConfig {
  table: string;
  queueUrl: string;
  dlqUrl?: string;
  /** AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS: the local emulators. */
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
  /** SKYTASK_CONCURRENCY: tasks run at once per consumer batch. @default 5 */
  concurrency: number;
  /** SKYTASK_LEASE_SECONDS. @default 60 */
  leaseSeconds: number;
  /** SKYTASK_RETENTION_DAYS: how long ready tasks are kept. @default 7 */
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
   * role SKYTASK_TIMER_ROLE_ARN. All three or none (then such tasks are refused).
   */
  timer?: { groupName: string; roleArn: string; queueArn: string };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new SkytaskError(`${name} must be a positive number, not "${raw}"`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): SkytaskConfig {
  const table = env.SKYTASK_TABLE;
  const queueUrl = env.SKYTASK_QUEUE_URL;
  if (!table || !queueUrl) throw new SkytaskError('SKYTASK_TABLE and SKYTASK_QUEUE_URL must be set');
  return {
    table,
    queueUrl,
    dlqUrl: env.SKYTASK_DLQ_URL || undefined,
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB || undefined,
    sqsEndpoint: env.AWS_ENDPOINT_URL_SQS || undefined,
    concurrency: Math.floor(positive(env, 'SKYTASK_CONCURRENCY', 5)),
    leaseSeconds: positive(env, 'SKYTASK_LEASE_SECONDS', 60),
    retentionSeconds: positive(env, 'SKYTASK_RETENTION_DAYS', 7) * 86_400,
    maxReceiveCount: Math.floor(positive(env, 'SKYTASK_MAX_RECEIVE_COUNT', 5)),
    reconcileAfter: positive(env, 'SKYTASK_RECONCILE_AFTER', 300),
    maxResends: Math.floor(positive(env, 'SKYTASK_MAX_RESENDS', 5)),
    timer: timerFromEnv(env),
  };
}

function timerFromEnv(env: NodeJS.ProcessEnv): SkytaskConfig['timer'] {
  const { SKYTASK_TIMER_GROUP: groupName, SKYTASK_TIMER_ROLE_ARN: roleArn, SKYTASK_QUEUE_ARN: queueArn } = env;
  if (!groupName && !roleArn) return undefined;
  if (!groupName || !roleArn || !queueArn) {
    throw new SkytaskError('SKYTASK_TIMER_GROUP, SKYTASK_TIMER_ROLE_ARN and SKYTASK_QUEUE_ARN go together');
  }
  return { groupName, roleArn, queueArn };
}
