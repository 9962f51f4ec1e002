/**
 * The direct client: SQS and DynamoDB with the caller's own AWS credentials, no endpoint
 * in between. It runs the backend's own code (the same checks as `queue_task`), so it
 * needs the jobs module — its values for the checks, its type for the typing.
 */
import { createBackend, type Backend } from '../backend.js';
import { configFromEnv, createClients, type SkytaskConfig } from '../config.js';
import { createDynamoStore } from '../dynamo-store.js';
import { WaitTimeoutError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { createRegistry } from '../registry.js';
import { describeJobs } from '../rpc.js';
import { createSqsQueue } from '../sqs-queue.js';
import { fromWire, toWire, type Task } from '../task.js';
import type { JobsOf, SkytaskClient, WaitOptions } from './types.js';
import { jobInfoFromWire } from './wire.js';

export type DirectClientOptions<M> =
  | {
      /** The jobs module's exports (`await import('./jobs.js')`). */
      jobs: M;
      /** Table and queues. @default configFromEnv() (SKYTASK_TABLE, SKYTASK_QUEUE_URL, SKYTASK_DLQ_URL) */
      config?: Pick<SkytaskConfig, 'table' | 'queueUrl' | 'dlqUrl' | 'dynamodbEndpoint' | 'sqsEndpoint'>;
      logger?: Logger;
    }
  | {
      /** A backend already built (the local stack, tests). */
      backend: Backend;
      logger?: Logger;
    };

/** The public view of a task: what the wire carries, so both clients return the same. */
const publicTask = (task: Task) => fromWire(toWire(task));

/**
 * A client over SQS and DynamoDB directly.
 * @example
 * import { createDirectClient } from 'skytask/client';
 * import * as jobs from './jobs.js';
 * const client = createDirectClient({ jobs }); // SKYTASK_TABLE, SKYTASK_QUEUE_URL from the environment
 * const task = await client.queueTask('addition', { a: 1, b: 2 });
 * const done = await client.waitForTask(task!, { timeout: 60 });
 */
export function createDirectClient<M = never>(options: DirectClientOptions<M>): SkytaskClient<JobsOf<M>> {
  const logger = options.logger ?? createLogger({ level: process.env.SKYTASK_LOG_LEVEL ?? 'warn' });
  const backend =
    'backend' in options
      ? options.backend
      : (() => {
          const config = options.config ?? configFromEnv();
          const clients = createClients(config);
          return createBackend({
            store: createDynamoStore({ client: clients.dynamodb, table: config.table }),
            queue: createSqsQueue({ client: clients.sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl }),
            registry: createRegistry(options.jobs),
            logger,
          });
        })();

  async function waitForTask(task: string | Task, { timeout, signal }: WaitOptions = {}): Promise<any> {
    const id = typeof task === 'string' ? task : task.id;
    signal?.throwIfAborted();
    try {
      return publicTask(await backend.waitForTask(id, timeout ?? Infinity, signal));
    } catch (err) {
      if (err instanceof WaitTimeoutError) {
        signal?.throwIfAborted();
        throw new WaitTimeoutError(publicTask(err.task));
      }
      throw err;
    }
  }

  const client: SkytaskClient<any> = {
    async queueTask(job: string, kwargs?: unknown, options = {}): Promise<any> {
      const task = await backend.queueTask(job, kwargs ?? {}, options);
      return task && publicTask(task);
    },
    async queueTasks(items) {
      const results = await backend.queueTasks(items.map(({ job, kwargs, options }) => ({ job, kwargs, options })));
      return results.map((r) => (r.ok ? { ok: true, task: r.task && publicTask(r.task) } : r));
    },
    async getTask(id) {
      const task = await backend.getTask(id);
      return task ? publicTask(task) : null;
    },
    async getTasks(filter = {}) {
      const page = await backend.getTasks(filter);
      return { tasks: page.tasks.map(publicTask), cursor: page.cursor };
    },
    waitForTask,
    revokeTask: async (id) => publicTask(await backend.revokeTask(id)),
    jobList: async (names) => (await describeJobs(backend, logger, names)).map(jobInfoFromWire),
    queueStats: () => backend.queueStats(),
    redriveDeadLetters: (limit) => backend.redriveDeadLetters(limit),
  };
  return client;
}
