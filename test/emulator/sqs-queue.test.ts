/** The SQS adapter against the task queue contract, over fauxqs: one queue pair per test. */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createClients, createSqsQueue } from '../../lib/index.js';
import { realClock } from '../contract/clock.js';
import { taskQueueContract } from '../contract/task-queue.contract.js';
import { emulators } from '../helpers.js';

const VISIBILITY = 1;
const MAX_RECEIVES = 2;

taskQueueContract('SQS adapter (fauxqs)', async () => {
  const { sqs } = createClients(await emulators());
  const name = `contract-${randomUUID().slice(0, 8)}`;
  // As local/provision.ts makes them, with a short visibility timeout and receive budget.
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(VISIBILITY),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: MAX_RECEIVES }),
      },
    }),
  );
  return {
    queue: createSqsQueue({ client: sqs, queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! }),
    clock: realClock,
    visibilityTimeout: VISIBILITY,
    maxReceiveCount: MAX_RECEIVES,
    async cleanup() {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.QueueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: dlq.QueueUrl }));
      sqs.destroy();
    },
  };
});
