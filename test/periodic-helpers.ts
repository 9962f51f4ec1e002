/**
 * Test setup for periodic jobs and scheduled tasks: real emulators (dynalite + fauxqs) in
 * this process on 127.0.0.1, a table and queues with a unique name, the library wired over
 * them with the options these tests need (a clock, the local timer, a short horizon).
 */
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import {
  configFromEnv,
  createClients,
  createDynamoStore,
  createLogger,
  createRegistry,
  createSqsQueue,
  wireRuntime,
  isReady,
  type Task,
  type TaskTimer,
} from '../lib/index.js';
import { startEmulators, type Emulators } from '../local/emulators.js';
import { startPoller, type Poller } from '../local/poller.js';
import { provision } from '../local/provision.js';
import { useLocalCredentials } from '../local/stack-emulators.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();

let shared: Promise<Emulators> | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (shared) await (await shared).close();
});

export const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Log lines written while a test runs, as objects, from `level` up. */
export function captureLogs(level = 'info') {
  const lines: Record<string, any>[] = [];
  const logger = createLogger({
    level,
    stream: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

export interface PeriodicStackOptions {
  jobs: unknown;
  /** Epoch seconds; a test moves it by hand. */
  clock?: () => number;
  timer?: (queue: ReturnType<typeof createSqsQueue>) => TaskTimer;
  maxQueueDelay?: number;
  logger?: ReturnType<typeof createLogger>;
  /** Reuse another stack's table and queue (a restart). */
  env?: Record<string, string>;
}

export async function periodicStack(options: PeriodicStackOptions) {
  shared ??= startEmulators();
  const emu = await shared;
  const name = `p-${randomUUID().slice(0, 8)}`;
  const env = options.env ?? (await provision({ ...emu, table: name, queueName: name, visibilityTimeout: 10 }));
  const config = configFromEnv({ ...process.env, ...env });
  const clients = createClients(config);
  cleanups.push(() => (clients.dynamodb.destroy(), clients.sqs.destroy()));
  const logger = options.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const store = createDynamoStore({ client: clients.dynamodb, table: config.table });
  const queue = createSqsQueue({ client: clients.sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl });
  const registry = createRegistry(options.jobs);
  const runtime = wireRuntime(
    {
      store,
      queue,
      registry,
      logger,
      timer: options.timer?.(queue),
      maxQueueDelay: options.maxQueueDelay,
      clock: options.clock,
    },
    { leaseSeconds: 10 },
  );
  const { backend, consumer, rpc } = runtime;

  let poller: Poller | undefined;
  return {
    env,
    runtime,
    backend,
    store,
    queue,
    logger,
    /** Call a JSON-RPC method through the same handler the Lambda and the local server use. */
    async call(method: string, params?: unknown): Promise<any> {
      const body = await rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
      const response = JSON.parse(body!);
      if (response.error) throw Object.assign(new Error(response.error.message), response.error);
      return response.result;
    },
    /** Run the consumer behind the local poller, as `npm start` does. */
    startConsumer() {
      poller = startPoller({
        queue,
        handler: createConsumerHandler(consumer),
        concurrency: 5,
        logger,
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:test',
        waitSeconds: 1,
      });
      cleanups.push(() => poller?.stop(5));
    },
    async stopConsumer() {
      await poller?.stop(5);
      poller = undefined;
    },
    /** Poll the record until it is ready or `seconds` passed (a deadline, not a speed assertion). */
    async waitReady(id: string, seconds = 20): Promise<Task> {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        const task = await store.getTask(id);
        if (task && isReady(task.status)) return task;
        if (Date.now() > deadline) throw new Error(`task ${id} not ready after ${seconds} s: ${JSON.stringify(task)}`);
        await sleep(0.1);
      }
    },
    /** Every task of a job, oldest first. */
    async tasksOf(job: string): Promise<Task[]> {
      const page = await store.queryTasks({ name: job, limit: 1000 });
      return page.tasks.reverse();
    },
  };
}
