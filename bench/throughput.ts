/**
 * `npm run bench`: BENCH_TASKS (default 2,000) no-op tasks through the local stack —
 * the emulators in their own process, the library queueing, the local poller calling
 * the Lambda consumer handler. Prints tasks/s, enqueue→finished latency, AWS requests
 * per task by API, and DynamoDB write units per task.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import { configFromEnv, createClients, createLogger, createRegistry, createRuntime, type Task } from '../lib/index.js';
import { SETTINGS } from '../lib/settings.js';
import { startPoller } from '../local/poller.js';
import { provision } from '../local/provision.js';
import { spawnEmulators, stopEmulators, useLocalCredentials } from '../local/stack.js';
import * as jobs from './jobs.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();
const TASKS = Number(process.env.BENCH_TASKS ?? 2000);
// The bench's own default, above the runtime's: it measures throughput, not the default setup.
const CONCURRENCY = Number(process.env[SETTINGS.concurrency.env] ?? 32);
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 16);

const requests = new Map<string, number>();
let writeUnits = 0;

/** Count every request by API; ask DynamoDB for the capacity each one consumed. */
function instrument(client: DynamoDBClient | SQSClient, service: string) {
  (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
    (next: any, context: any) => async (args: any) => {
      const api = `${service} ${String(context.commandName).replace(/Command$/, '')}`;
      requests.set(api, (requests.get(api) ?? 0) + 1);
      if (service === 'DynamoDB') args.input.ReturnConsumedCapacity = 'TOTAL';
      const result: any = await next(args);
      const consumed = [result.output?.ConsumedCapacity ?? []].flat();
      for (const c of consumed) {
        if (/Put|Update|Delete|BatchWrite/.test(api)) writeUnits += c.CapacityUnits ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCounter' },
  );
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

const dataDir = mkdtempSync(join(tmpdir(), 'skytask-bench-'));
const emulators = await spawnEmulators(dataDir);
try {
  const env = await provision({ ...emulators, table: 'bench', queueName: 'bench' });
  const config = configFromEnv({ ...env, [SETTINGS.concurrency.env]: String(CONCURRENCY) });
  const clients = createClients(config);
  instrument(clients.dynamodb, 'DynamoDB');
  instrument(clients.sqs, 'SQS');
  const logger = createLogger({ level: 'warn' });
  const { backend, consumer, queue } = createRuntime(config, createRegistry(jobs), logger, { clients });
  const poller = startPoller({
    queue,
    handler: createConsumerHandler(consumer),
    concurrency: CONCURRENCY,
    logger,
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:bench',
    waitSeconds: 1,
  });

  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < TASKS) await backend.queueTask('noop', { i: next++ });
    }),
  );
  const enqueueSeconds = (performance.now() - started) / 1000;

  let tasks: Task[] = [];
  for (;;) {
    const depth = await queue.depth();
    if (depth.queued + depth.delayed + depth.inFlight === 0 && poller.inFlight() === 0) {
      tasks = [];
      let cursor: string | undefined;
      do {
        const page = await backend.getTasks({ name: 'noop', limit: 1000, cursor });
        tasks.push(...page.tasks);
        cursor = page.cursor ?? undefined;
      } while (cursor);
      if (tasks.every((t) => t.status === 'SUCCESS')) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await poller.stop();

  const first = Math.min(...tasks.map((t) => t.timeQueued));
  const last = Math.max(...tasks.map((t) => t.timeEnded!));
  const latencies = tasks.map((t) => (t.timeEnded! - t.timeQueued) * 1000).sort((a, b) => a - b);
  const runs = tasks.reduce((n, t) => n + t.attempts, 0);
  // The listing above is not part of the task's cost: count it apart.
  const listing = ['DynamoDB Query', 'DynamoDB BatchGetItem', 'SQS GetQueueAttributes', 'SQS ReceiveMessage'];
  const perTask = [...requests.entries()]
    .filter(([api]) => !listing.includes(api))
    .map(([api, n]) => `  ${api.padEnd(28)} ${(n / TASKS).toFixed(2)}`);
  const received = requests.get('SQS ReceiveMessage') ?? 0;
  // dynalite reports the base table only. Index writes, from the table design (lib/keys.ts):
  // by_job 1 at the create; by_status 1 at the create and 2 at the finish (the key moves
  // from PENDING to SUCCESS: a delete and a put); a claim changes no index key.
  const indexUnits = 4;

  console.log(`skytask bench — ${TASKS} no-op tasks, consumer concurrency ${CONCURRENCY}, ${PRODUCERS} producers`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(`enqueue:     ${(TASKS / enqueueSeconds).toFixed(0)} tasks/s (${enqueueSeconds.toFixed(2)} s)`);
  console.log(
    `throughput:  ${(TASKS / (last - first)).toFixed(0)} tasks/s, first queued → last finished ${(last - first).toFixed(2)} s`,
  );
  console.log(
    `latency:     p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms (enqueue → finished)`,
  );
  console.log(`runs:        ${runs} for ${TASKS} tasks`);
  console.log(`AWS requests per task (ReceiveMessage: ${(received / TASKS).toFixed(2)}, long polls included):`);
  console.log(perTask.join('\n'));
  console.log(
    `DynamoDB write units per task: ${(writeUnits / TASKS).toFixed(2)} base table (measured) + ${indexUnits} index (by design) = ${(writeUnits / TASKS + indexUnits).toFixed(2)}`,
  );
} finally {
  await stopEmulators(emulators.pid);
  rmSync(dataDir, { recursive: true, force: true });
}
