import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEventBridgePublisher } from './aws/eventbridge-publisher.js';
import type { EventPublisher } from './event-publisher.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, createS3Payloads } from './aws/s3-payloads.js';
import { createEventBridgeTimer } from './aws/eventbridge-timer.js';
import { createSqsQueue } from './aws/sqs-queue.js';
import { createSqsRoutedQueue } from './aws/sqs-routed-queue.js';
import { createDynamoStore } from './aws/dynamo/store.js';
import type { SkytaskConfig } from './config.js';
import { type Consumer, type ConsumerSettings, createConsumer } from './consumer/consumer.js';
import type { Logger } from './log.js';
import { createTaskMetrics } from './metrics.js';
import type { TaskQueue } from './queue.js';
import type { JobRegistry } from './registry.js';
import { createRpc, type Rpc } from './rpc/protocol.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { type Backend, createBackend } from './tasks/backend.js';
import { type Clock, type TaskDeps, type TaskDepsInput, taskDeps } from './tasks/deps.js';
import type { TaskTimer } from './timer.js';

/**
 * Everything wired once: the ports (store, queue, timer), the registry, logger and clock
 * they run with, and the services over them — the backend (queue and inspect tasks), the
 * consumer (run them), the scheduler (periodic jobs) and the JSON-RPC server. The Lambda
 * handlers, the local stack, the direct client and the tests all build one of these.
 */
export interface Runtime extends TaskDeps {
  backend: Backend;
  consumer: Consumer;
  scheduler: Scheduler;
  rpc: Rpc;
}

/** The AWS SDK clients a runtime uses. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  /** The payload bucket's client, when the config names a bucket. */
  s3?: S3Client;
}

/** SDK clients for a config. The SQS endpoint is set explicitly: emulator queue URLs do not resolve. */
export function createClients(
  config: Pick<SkytaskConfig, 'dynamodbEndpoint' | 'sqsEndpoint'> &
    Partial<Pick<SkytaskConfig, 'payloadBucket' | 's3Endpoint'>>,
): AwsClients {
  return {
    dynamodb: new DynamoDBClient({ endpoint: config.dynamodbEndpoint }),
    sqs: new SQSClient(config.sqsEndpoint ? { endpoint: config.sqsEndpoint, useQueueUrlAsEndpoint: false } : {}),
    s3: config.payloadBucket ? createS3Client(config.s3Endpoint) : undefined,
  };
}

/** How `createRuntime` builds what the config does not say. */
export interface RuntimeOptions {
  /** @default createClients(config) */
  clients?: AwsClients;
  /** The timer for tasks due beyond 15 minutes. @default EventBridge Scheduler when the config names one, else none */
  timer?: (queue: TaskQueue) => TaskTimer;
  clock?: Clock;
  /** Log every task event the bus accepts (the local stack). @default false */
  logEvents?: boolean;
}

/** The EventBridge publisher of task events, when the config names a bus (docs/events.md). */
function createPublisher(config: SkytaskConfig, logger: Logger, logEvents = false): EventPublisher | undefined {
  if (!config.eventBus) return undefined;
  const client = new EventBridgeClient({ endpoint: config.eventbridgeEndpoint });
  return createEventBridgePublisher({ client, busName: config.eventBus, logger, logEvents });
}

/** The runtime over DynamoDB and SQS, as a config (from the environment: `configFromEnv`) describes them. */
export function createRuntime(
  config: SkytaskConfig,
  registry: JobRegistry,
  logger: Logger,
  options: RuntimeOptions = {},
): Runtime {
  const clients = options.clients ?? createClients(config);
  const events = createPublisher(config, logger, options.logEvents);
  const store = createDynamoStore({
    client: clients.dynamodb,
    table: config.table,
    retentionSeconds: config.retentionSeconds,
    outbox: events && ((job) => registry.get(job)?.events === true),
  });
  const queue = config.queues
    ? createSqsRoutedQueue(clients.sqs, config.queues, registry)
    : createSqsQueue({ client: clients.sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl });
  const timer =
    options.timer?.(queue) ??
    (config.timer && createEventBridgeTimer({ client: new SchedulerClient({}), ...config.timer }));
  const { concurrency, leaseSeconds, maxReceiveCount, metricsNamespace, payloadBucket } = config;
  const metrics = metricsNamespace ? createTaskMetrics({ namespace: metricsNamespace }) : undefined;
  const s3 = payloadBucket ? (clients.s3 ?? createS3Client(config.s3Endpoint)) : undefined;
  const payloads = s3 && createS3Payloads({ client: s3, bucket: payloadBucket! });
  return wireRuntime(
    { store, queue, registry, logger, timer, clock: options.clock, events, metrics, payloads },
    { concurrency, leaseSeconds, maxReceiveCount },
  );
}

/**
 * The runtime over any store and queue: the AWS adapters (`createRuntime`), or the
 * in-memory ones of lib/memory/ for tests without emulators.
 */
export function wireRuntime(input: TaskDepsInput, settings: ConsumerSettings = {}): Runtime {
  const deps = taskDeps(input);
  const backend = createBackend(deps);
  const scheduler = createScheduler(deps);
  const consumer = createConsumer({ ...deps, ...settings });
  const rpc = createRpc({ backend, registry: deps.registry, scheduler, logger: deps.logger, payloads: deps.payloads });
  return { ...deps, backend, consumer, scheduler, rpc };
}
