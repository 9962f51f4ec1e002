/** Lambda entry point: the SQS consumer. Thin: middy, partial batch failures, a call into lib/. */
import type { SQSEvent } from 'aws-lambda';
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime } from '../lib/index.js';
import { createConsumerHandler } from './consumer-handler.js';

let fromEnv: ReturnType<typeof createConsumerHandler> | undefined;
/** Built on the first event from the environment (SKYTASK_TABLE, SKYTASK_QUEUE_URL, …). */
export const handler = (event: SQSEvent, context: any) =>
  (fromEnv ??= createConsumerHandler(createRuntime(configFromEnv(), createRegistry(jobs), createLogger()).consumer))(
    event,
    context,
  );
