import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { PRIORITIES, type Priority } from '../lib/priority.js';
import { SETTINGS } from '../lib/settings.js';
import { tableStatement } from './permissions.js';
import { type RoutedQueueResources, routesStatement } from './routed-queues.js';
import { FUNCTION_ENTRIES, createTaskFunction } from './task-function.js';
import { sharedFunctionOptions, type TaskQueueCore } from './task-queue-core.js';
import { acknowledgePayloadWildcards, payloadAccess } from './payload-bucket.js';

/** The lanes' event source ids: the default lane keeps the id of a stack without routing. */
const MAPPING_IDS: Record<Priority, string> = { high: 'QueueHigh', default: 'Queue', low: 'QueueLow' };

/**
 * The consumer of one routed queue (docs/routing.md; `route` defaults to the default queue,
 * whose function is `Consumer` in the construct itself, a declared queue's in its
 * `Queue-<name>` scope): runs the tasks of its lanes, invoked by one SQS event source per
 * lane with partial batch responses — the high and default lanes up to the queue's
 * `maxConcurrency` each, the low lane up to its `lowMaxConcurrency`. Its timeout is the
 * longest a task may run, and the claim's lease.
 */
export function createConsumerFunction(
  scope: Construct,
  core: TaskQueueCore,
  route: RoutedQueueResources = core.routes[0],
): NodejsFunction {
  const q = route.settings;
  const own = PRIORITIES.map((p) => route.lanes[p].queueArn);
  const payloads = payloadAccess(core.payloadBucket, 'consumer');
  const made = createTaskFunction(scope, 'Consumer', {
    ...sharedFunctionOptions(core),
    entry: FUNCTION_ENTRIES.consumer,
    description: `skytask consumer: runs the tasks of the ${q.name} queue`,
    timeout: q.consumerTimeout,
    memorySize: q.consumerMemorySize,
    environment: {
      ...core.environment,
      [SETTINGS.dlqUrl.env]: route.deadLetterQueue.queueUrl,
      [SETTINGS.concurrency.env]: String(q.concurrency),
      [SETTINGS.leaseSeconds.env]: String(q.consumerTimeout.toSeconds()),
      // The consumer records FAILURE on the last delivery before SQS dead-letters it.
      [SETTINGS.maxReceiveCount.env]: String(core.props.maxReceiveCount),
      ...payloads.environment,
    },
    // No timer: sub-tasks and producer messages carry no delay, and a retry or an early
    // delivery is re-sent with at most SQS's 15 minutes (the claim refuses it until due).
    statements: [
      // Claim, finish, revoke, locks, and the records of the sub-tasks a job queues.
      tableStatement(core.table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem']),
      new PolicyStatement({
        actions: [
          // The event source mappings poll with the function's role.
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          // A task not due yet or running elsewhere: its message comes back later.
          'sqs:ChangeMessageVisibility',
        ],
        resources: own,
      }),
      // Sub-tasks, retries, early deliveries and forwarded messages go to any lane of any
      // queue; a message that cannot run is put aside on its job's queue's dead-letter queue.
      routesStatement(core.routes, ['sqs:SendMessage'], true),
      // Large kwargs read back, large results written, ended tasks' objects tagged.
      ...payloads.statements,
    ],
  });
  acknowledgePayloadWildcards(made.role, core.payloadBucket, 'consumer');
  const consumer = made.fn;
  for (const priority of PRIORITIES) {
    consumer.addEventSourceMapping(MAPPING_IDS[priority], {
      eventSourceArn: route.lanes[priority].queueArn,
      batchSize: q.batchSize,
      maxBatchingWindow: q.maxBatchingWindow.toSeconds() > 0 ? q.maxBatchingWindow : undefined,
      maxConcurrency: priority === 'low' ? q.lowMaxConcurrency : q.maxConcurrency,
      reportBatchItemFailures: true,
    });
  }
  return consumer;
}
