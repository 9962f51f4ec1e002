import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { createClients, tableDefinition } from '../lib/index.js';
import { QUEUE_SETTINGS, SECONDS_PER_DAY, SETTINGS } from '../lib/settings.js';

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
  const dlq = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: `${options.queueName}-dlq`,
      Attributes: { MessageRetentionPeriod: String(QUEUE_SETTINGS.deadLetterRetentionDays * SECONDS_PER_DAY) },
    }),
  );
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const visibility = options.visibilityTimeout ?? SETTINGS.visibilityTimeout.default;
  const maxReceiveCount = options.maxReceiveCount ?? SETTINGS.maxReceiveCount.default;
  const queue = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: options.queueName,
      Attributes: {
        VisibilityTimeout: String(visibility),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes!.QueueArn,
          maxReceiveCount,
        }),
      },
    }),
  );
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
    [SETTINGS.queueUrl.env]: queue.QueueUrl!,
    [SETTINGS.dlqUrl.env]: dlq.QueueUrl!,
    // Shorter than the visibility timeout: a crashed run's message must come back to a
    // lapsed lease, or its redelivery would be taken for a duplicate of a live run.
    [SETTINGS.leaseSeconds.env]: String(visibility / 2),
    [SETTINGS.maxReceiveCount.env]: String(maxReceiveCount),
    [SETTINGS.dynamodbEndpoint.env]: options.dynamodbEndpoint,
    [SETTINGS.sqsEndpoint.env]: options.sqsEndpoint,
    ...(payloadBucket
      ? { [SETTINGS.payloadBucket.env]: payloadBucket, [SETTINGS.s3Endpoint.env]: options.s3Endpoint! }
      : {}),
  };
}
