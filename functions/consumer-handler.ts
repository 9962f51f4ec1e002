/**
 * The SQS consumer's handler over a given consumer: middy and partial batch failures. The
 * Lambda entry (consumer.ts) builds it from the environment; the local stack passes its own
 * consumer. Apart from the entry so that importing it does not import the jobs (`#jobs`).
 */
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import type { Consumer } from '../lib/index.js';

/** The handler over a given consumer (the local stack passes its own). */
export function createConsumerHandler(consumer: Consumer) {
  return (
    middy<SQSEvent, SQSBatchResponse>()
      // The consumer logs each failed record itself, with its task id (lib/consumer/consumer.ts).
      .use(sqsPartialBatchFailure({ logger: false as never }))
      .handler((event, context) => consumer.handleBatch(event.Records, context) as never)
  );
}
