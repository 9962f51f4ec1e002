/** Lambda entry point: the SQS consumer. Thin: middy, partial batch failures, a call into lib/. */
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime, type Consumer } from '../lib/index.js';

/** The handler over a given consumer (the local stack passes its own). */
export function createConsumerHandler(consumer: Consumer) {
  return middy<SQSEvent, SQSBatchResponse>()
    .use(sqsPartialBatchFailure({ logger: false as never }))
    .handler((event, context) => consumer.handleBatch(event.Records, context) as never);
}

let fromEnv: ReturnType<typeof createConsumerHandler> | undefined;
/** Built on the first event from the environment (SKYTASK_TABLE, SKYTASK_QUEUE_URL, …). */
export const handler = (event: SQSEvent, context: any) =>
  (fromEnv ??= createConsumerHandler(createRuntime(configFromEnv(), createRegistry(jobs), createLogger()).consumer))(
    event,
    context,
  );
