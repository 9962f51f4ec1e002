/**
 * Shared test setup: real emulators (dynalite + fauxqs) in this process on 127.0.0.1,
 * a table and queues with a unique name, and the library wired over them.
 */
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import * as sampleJobs from '../examples/jobs.js';
import {
  configFromEnv,
  createClients,
  createLogger,
  createRegistry,
  createRuntime,
  isReady,
  type Task,
} from '../lib/index.js';
import { startEmulators, type Emulators } from '../local/emulators.js';
import { startPoller } from '../local/poller.js';
import { provision } from '../local/provision.js';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import { useLocalCredentials } from '../local/stack-emulators.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();

let shared: Promise<Emulators> | undefined;
// Registered when the test file imports this module, on the root test: before the file's own
// after hooks, and node:test runs after hooks in the order registered — so this runs FIRST. A
// test stops what it started (a poller, a server) itself, before the emulators close.
after(async () => {
  if (shared) await (await shared).close();
});

/** One pair of emulators per test file (each file runs in its own process). */
export function emulators(): Promise<Emulators> {
  shared ??= startEmulators();
  return shared;
}

/**
 * `env` for a stack without a payload bucket: kwargs over 100 KiB refused, results over
 * 256 KiB a FAILURE — the item caps, as a runtime without SKYTASK_PAYLOAD_BUCKET has them.
 */
export const NO_PAYLOAD_BUCKET = { SKYTASK_PAYLOAD_BUCKET: '' };

export interface TestStackOptions {
  /** A jobs module's exports. @default the sample jobs */
  jobs?: unknown;
  env?: Record<string, string>;
  visibilityTimeout?: number;
  /** Routed queues (docs/routing.md): every lane of `default` and of the jobs' queues, and SKYTASK_QUEUES. */
  routed?: boolean;
}

/** A fresh table and queue pair, the runtime over them, and helpers. */
export async function testStack(options: TestStackOptions = {}) {
  const emu = await emulators();
  const name = `t-${randomUUID().slice(0, 8)}`;
  const registry = createRegistry(options.jobs ?? sampleJobs);
  const env = await provision({
    ...emu,
    table: name,
    queueName: name,
    visibilityTimeout: options.visibilityTimeout ?? 30,
    maxReceiveCount: 3,
    routes: options.routed ? registry.queues().map((q) => q.name) : undefined,
  });
  const config = configFromEnv({ ...env, ...options.env });
  const clients = createClients(config);
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const runtime = createRuntime(config, registry, logger, { clients });
  const { backend, consumer, rpc, store, queue } = runtime;

  /** Receive and handle messages until the queue stays empty for `idleRounds` polls. */
  async function drain({ idleRounds = 2, maxRounds = 200 } = {}): Promise<void> {
    let idle = 0;
    for (let i = 0; i < maxRounds && idle < idleRounds; i++) {
      const messages = await queue.receive(10, 0);
      if (!messages.length) {
        idle++;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      idle = 0;
      const results = await consumer.handleBatch(messages);
      const ok = messages.filter((_, n) => results[n].status === 'fulfilled').map((m) => m.receiptHandle);
      await queue.deleteMessages(ok);
    }
  }

  /** Start the same poller and consumer handler as the local stack. */
  function poll(concurrency = 5) {
    return startPoller({
      queue,
      handler: createConsumerHandler(consumer),
      concurrency,
      logger,
      queueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
    });
  }

  /** A JSON-RPC call through the same handler the functions use; returns the parsed response. */
  async function call(method: string, params?: unknown, id: number | string = 1): Promise<any> {
    const body = await rpc.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id }), { caller: 'test' });
    return body === undefined ? undefined : JSON.parse(body);
  }

  /** Messages on the dead-letter queue (received, left in flight). */
  async function deadLetters() {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: config.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  }

  async function waitReady(id: string, seconds = 10): Promise<Task> {
    const task = await backend.waitForTask(id, seconds);
    if (!isReady(task.status)) throw new Error(`task ${id} not ready`);
    return task;
  }

  return {
    name,
    config,
    clients,
    registry,
    runtime,
    backend,
    consumer,
    rpc,
    store,
    queue,
    logger,
    drain,
    poll,
    call,
    deadLetters,
    waitReady,
  };
}

export type TestStack = Awaited<ReturnType<typeof testStack>>;
