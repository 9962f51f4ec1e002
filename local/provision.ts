import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createClients, tableDefinition } from '../lib/index.js';
import { DEFAULT_QUEUE } from '../lib/job-queue.js';
import { PRIORITIES, type Priority } from '../lib/priority.js';
import { QUEUE_SETTINGS, SECONDS_PER_DAY, SETTINGS } from '../lib/settings.js';

/** The local event bus's name (the PutEvents endpoint's: local/strict/strict-eventbridge.ts). */
export const LOCAL_EVENT_BUS = 'skytask';

export interface ProvisionOptions {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** S3 (s3rver): the payload bucket, `<queueName>-payloads`, is made there; without it, none. */
  s3Endpoint?: string;
  table: string;
  queueName: string;
  /** Seconds a received message stays invisible. @default SETTINGS.visibilityTimeout.default (60) */
  visibilityTimeout?: number;
  /** Receives before a message moves to the dead-letter queue. @default SETTINGS.maxReceiveCount.default (5) */
  maxReceiveCount?: number;
  /** The local PutEvents endpoint: given, task events go to its bus, `skytask` (docs/events.md). */
  eventsEndpoint?: string;
  /**
   * The routed queues besides `default` (docs/routing.md): given (even empty), every routed
   * queue gets its lanes and dead-letter queue (`laneNames`), and SKYTASK_QUEUES names them.
   * @default none: one queue and its dead-letter queue, every job and priority on it
   */
  routes?: readonly string[];
}

/**
 * The SQS queue names of a routed queue's lanes and dead-letter queue. The default queue's
 * default lane and dead-letter queue keep the names of a stack without routing (`base`,
 * `base-dlq`); its other lanes are `base_high`, `base_low`; a routed queue's are
 * `base__<name>`, `base__<name>_high`, … (a queue name has no `_`: no two can meet).
 */
export function laneNames(base: string, queue: string): Record<Priority | 'dlq', string> {
  const stem = queue === DEFAULT_QUEUE ? base : `${base}__${queue}`;
  return {
    high: `${stem}_high`,
    default: stem,
    low: `${stem}_low`,
    dlq: queue === DEFAULT_QUEUE ? `${base}-dlq` : `${stem}_dlq`,
  };
}

/**
 * Wait until a new table is ACTIVE, as on AWS: dynalite answers CreateTable before it marks
 * the table ACTIVE on disk, and a request in between is refused as a missing table.
 */
async function untilActive(dynamodb: DynamoDBClient, table: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${table} is not ACTIVE after 10 s`);
}

/**
 * Create the table, the task queue, its dead-letter queue and the payload bucket if missing, as the CDK
 * construct does on AWS. Returns the environment variables that point at them: the
 * local stack reads its config through `configFromEnv`, as the Lambda functions do.
 */
export async function provision(options: ProvisionOptions): Promise<Record<string, string>> {
  const payloadBucket = options.s3Endpoint ? `${options.queueName}-payloads` : undefined;
  const clients = createClients({ ...options, payloadBucket });
  const wanted = tableDefinition(options.table);
  try {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: options.table }));
    const keys = (schema = Table?.KeySchema) => JSON.stringify(schema?.map((k) => [k.AttributeName, k.KeyType]));
    if (keys() !== keys(wanted.KeySchema)) {
      throw new Error(
        `table ${options.table} has the key ${keys()}, not skytask's ${keys(wanted.KeySchema)}: an older skytask made it (docs/storage.md); remove its data directory to start afresh`,
      );
    }
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await clients.dynamodb.send(new CreateTableCommand(wanted));
    await untilActive(clients.dynamodb, options.table);
  }
  const visibility = options.visibilityTimeout ?? SETTINGS.visibilityTimeout.default;
  const maxReceiveCount = options.maxReceiveCount ?? SETTINGS.maxReceiveCount.default;
  const routes = options.routes && [DEFAULT_QUEUE, ...options.routes];
  const names = (routes ?? [DEFAULT_QUEUE]).map((queue) => [queue, laneNames(options.queueName, queue)] as const);
  const urls: Record<string, string>[] = [];
  for (const [, lanes] of names) {
    urls.push(await createLanes(clients.sqs, lanes, { routed: !!routes, visibility, maxReceiveCount }));
  }
  const queuesEnv = routes && JSON.stringify(Object.fromEntries(names.map(([queue, lanes]) => [queue, lanes])));
  // The lifecycle rules are the construct's (docs/payloads.md); s3rver keeps objects until deleted.
  if (clients.s3) {
    const exists = await clients.s3.send(new HeadBucketCommand({ Bucket: payloadBucket })).then(
      () => true,
      () => false,
    );
    if (!exists) await clients.s3.send(new CreateBucketCommand({ Bucket: payloadBucket }));
    clients.s3.destroy();
  }
  clients.dynamodb.destroy();
  clients.sqs.destroy();
  return {
    [SETTINGS.table.env]: options.table,
    [SETTINGS.queueUrl.env]: urls[0].default,
    [SETTINGS.dlqUrl.env]: urls[0].dlq,
    ...(queuesEnv ? { [SETTINGS.queues.env]: queuesEnv } : {}),
    // Shorter than the visibility timeout: a crashed run's message must come back to a
    // lapsed lease, or its redelivery would be taken for a duplicate of a live run.
    [SETTINGS.leaseSeconds.env]: String(visibility / 2),
    [SETTINGS.maxReceiveCount.env]: String(maxReceiveCount),
    [SETTINGS.dynamodbEndpoint.env]: options.dynamodbEndpoint,
    [SETTINGS.sqsEndpoint.env]: options.sqsEndpoint,
    ...(options.eventsEndpoint && {
      [SETTINGS.eventBus.env]: LOCAL_EVENT_BUS,
      [SETTINGS.eventbridgeEndpoint.env]: options.eventsEndpoint,
    }),
    ...(payloadBucket
      ? { [SETTINGS.payloadBucket.env]: payloadBucket, [SETTINGS.s3Endpoint.env]: options.s3Endpoint! }
      : {}),
  };
}

/** A dead-letter queue (SQS's longest retention): its URL and ARN. */
async function createDeadLetterQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { MessageRetentionPeriod: String(QUEUE_SETTINGS.deadLetterRetentionDays * SECONDS_PER_DAY) },
    }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: dlq.QueueUrl!, arn: Attributes!.QueueArn! };
}

/** A routed queue's dead-letter queue and its lanes (only the default lane when not `routed`): their URLs. */
async function createLanes(
  sqs: SQSClient,
  names: Record<Priority | 'dlq', string>,
  { routed, visibility, maxReceiveCount }: { routed: boolean; visibility: number; maxReceiveCount: number },
): Promise<Record<string, string>> {
  const dlq = await createDeadLetterQueue(sqs, names.dlq);
  const urls: Record<string, string> = { dlq: dlq.url };
  const redrive = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount });
  for (const priority of routed ? PRIORITIES : (['default'] as const)) {
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: names[priority],
        Attributes: { VisibilityTimeout: String(visibility), RedrivePolicy: redrive },
      }),
    );
    urls[priority] = queue.QueueUrl!;
  }
  return urls;
}
