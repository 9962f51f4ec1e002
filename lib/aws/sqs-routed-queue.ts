import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueUrls } from '../config.js';
import { queueNameOf } from '../job-queue.js';
import { PRIORITIES } from '../priority.js';
import type { JobRegistry } from '../registry.js';
import { createRoutedQueue, type Lane, type RoutedQueue } from '../routed-queue.js';
import { createSqsQueue } from './sqs-queue.js';

/**
 * The routed queue over SQS (lib/routed-queue.ts): one SQS adapter per lane of each routed
 * queue in `queues` (SKYTASK_QUEUES), each with its routed queue's dead-letter queue; a job's
 * routed queue is the one its registry entry names.
 */
export function createSqsRoutedQueue(
  client: SQSClient,
  queues: Record<string, QueueUrls>,
  registry: Pick<JobRegistry, 'get'>,
): RoutedQueue {
  const lanes: Lane[] = Object.entries(queues).flatMap(([queue, urls]) =>
    PRIORITIES.map((priority) => ({
      queue,
      priority,
      sqsName: urls[priority].split('/').pop()!,
      port: createSqsQueue({ client, queueUrl: urls[priority], dlqUrl: urls.dlq }),
    })),
  );
  return createRoutedQueue(lanes, (job) => queueNameOf(registry.get(job)));
}
