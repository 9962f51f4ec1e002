/** The direct client: SQS and DynamoDB with the caller's own credentials (docs/client.md quotes it). */
import { createDirectClient } from 'skytask/client';
import * as jobs from './jobs.js';

const client = createDirectClient({ jobs }); // SKYTASK_TABLE, SKYTASK_QUEUE_URL from the environment
await client.queueTask('addition', { a: 1 });
