import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBackend, type Backend } from './backend.js';
import { createConsumer, type Consumer } from './consumer.js';
import { createDynamoStore } from './dynamo-store.js';
import { SkytaskError } from './errors.js';
import { createEventBridgeTimer } from './eventbridge-timer.js';
import type { Logger } from './log.js';
import type { JobRegistry } from './registry.js';
import type { TaskQueue } from './queue.js';
import { createSqsQueue } from './sqs-queue.js';
import type { TaskTimer } from './timer.js';

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

/** SDK clients for a config. The SQS endpoint is set explicitly: emulator queue URLs do not resolve. */
export function createClients(config: Pick<SkytaskConfig, 'dynamodbEndpoint' | 'sqsEndpoint'>) {
  return {
    dynamodb: new DynamoDBClient({ endpoint: config.dynamodbEndpoint }),
    sqs: new SQSClient(config.sqsEndpoint ? { endpoint: config.sqsEndpoint, useQueueUrlAsEndpoint: false } : {}),
  };
}

/**
 * The backend and consumer wired over DynamoDB and SQS, as the handlers and the local stack
 * use them. The timer for far-future tasks is EventBridge Scheduler when configured; the
 * local stack passes its own.
 */
export function createRuntime(
  config: SkytaskConfig,
  registry: JobRegistry,
  logger: Logger,
  clients = createClients(config),
  options: { timer?: (queue: TaskQueue) => TaskTimer } = {},
): { backend: Backend; consumer: Consumer } {
  const store = createDynamoStore({
    client: clients.dynamodb,
    table: config.table,
    retentionSeconds: config.retentionSeconds,
  });
  const queue = createSqsQueue({ client: clients.sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl });
  const timer =
    options.timer?.(queue) ??
    (config.timer && createEventBridgeTimer({ client: new SchedulerClient({}), ...config.timer }));
  const backend = createBackend({ store, queue, registry, logger, timer });
  const consumer = createConsumer({
    backend,
    logger,
    concurrency: config.concurrency,
    leaseSeconds: config.leaseSeconds,
    maxReceiveCount: config.maxReceiveCount,
  });
  return { backend, consumer };
}
