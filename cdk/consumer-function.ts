import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { SETTINGS } from '../lib/settings.js';
import { tableStatement } from './permissions.js';
import { FUNCTION_ENTRIES, createTaskFunction } from './task-function.js';
import { sharedFunctionOptions, type TaskQueueCore } from './task-queue-core.js';
import { acknowledgePayloadWildcards, payloadAccess } from './payload-bucket.js';

/**
 * The consumer: runs the tasks of the task queue, invoked by an SQS event source with
 * partial batch responses. Its timeout is the longest a task may run, and the claim's lease.
 */
export function createConsumerFunction(scope: Construct, core: TaskQueueCore): NodejsFunction {
  const { props: p, queue, deadLetterQueue } = core;
  const payloads = payloadAccess(core.payloadBucket, 'consumer');
  const made = createTaskFunction(scope, 'Consumer', {
    ...sharedFunctionOptions(core),
    entry: FUNCTION_ENTRIES.consumer,
    description: 'skytask consumer: runs the tasks of the task queue',
    timeout: p.consumerTimeout,
    memorySize: p.consumerMemorySize,
    environment: {
      ...core.environment,
      [SETTINGS.dlqUrl.env]: deadLetterQueue.queueUrl,
      [SETTINGS.concurrency.env]: String(p.concurrency),
      [SETTINGS.leaseSeconds.env]: String(p.consumerTimeout.toSeconds()),
      // The consumer records FAILURE on the last delivery before SQS dead-letters it.
      [SETTINGS.maxReceiveCount.env]: String(p.maxReceiveCount),
      ...payloads.environment,
    },
    // No timer: sub-tasks and producer messages carry no delay, and a retry or an early
    // delivery is re-sent with at most SQS's 15 minutes (the claim refuses it until due).
    statements: [
      // Claim, finish, revoke, locks, and the records of the sub-tasks a job queues.
      tableStatement(core.table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem']),
      new PolicyStatement({
        actions: [
          // The event source mapping polls with the function's role.
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          // A task not due yet or running elsewhere: its message comes back later.
          'sqs:ChangeMessageVisibility',
          // Sub-tasks, retries, early deliveries sent again.
          'sqs:SendMessage',
        ],
        resources: [queue.queueArn],
      }),
      // A body that is no task message is put aside on the DLQ.
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }),
      // Large kwargs read back, large results written, ended tasks' objects tagged.
      ...payloads.statements,
    ],
  });
  acknowledgePayloadWildcards(made.role, core.payloadBucket, 'consumer');
  const consumer = made.fn;
  consumer.addEventSourceMapping('Queue', {
    eventSourceArn: queue.queueArn,
    batchSize: p.batchSize,
    maxBatchingWindow: p.maxBatchingWindow.toSeconds() > 0 ? p.maxBatchingWindow : undefined,
    maxConcurrency: p.maxConcurrency,
    reportBatchItemFailures: true,
  });
  return consumer;
}
