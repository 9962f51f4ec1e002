/**
 * A plain SQS producer (AWS SDK v3) queueing a task on the local stack (docs/local-stack.md
 * quotes it): with the environment of `.skytask/worker.json` (SKYTASK_QUEUE_URL,
 * AWS_ENDPOINT_URL_SQS), AWS_REGION and any access key, `npx tsx examples/sqs-producer.ts`.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

// The local queue URL's host (sqs.us-east-1.127.0.0.1) does not resolve: send to
// AWS_ENDPOINT_URL_SQS with the URL as a parameter. (Without this option the SDK sends to the
// queue URL's host: `TypeError: Invalid URL`.) On AWS, leave it out.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const body = { v: 1, job: 'addition', kwargs: { a: 1, b: 2 } };
const sent = await sqs.send(
  new SendMessageCommand({ QueueUrl: process.env.SKYTASK_QUEUE_URL, MessageBody: JSON.stringify(body) }),
);
console.log(sent.MessageId);
