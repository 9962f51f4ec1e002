/**
 * `npm run bench:fairness`: does one tenant's backlog starve another's? On the local
 * emulators, through the poller and the consumer handler as `skytask start` runs them: tenant
 * A queues a backlog (FAIRNESS_BACKLOG, default 500 tasks of FAIRNESS_RUN_MS, default 1,000 ms), then tenant B queues
 * FAIRNESS_B tasks (default 10). Two phases on fresh queues: the job with a per-key
 * concurrency limit (5 per tenant) and the same job without one. Reported as ratios, not
 * times (docs/limits.md#fairness): how many of A's tasks started before B's last one did,
 * over A's backlog, and B's median start (from the consumer's start), limited over unlimited.
 * Knobs: FAIRNESS_BACKLOG, FAIRNESS_RUN_MS, FAIRNESS_BATCH (messages a batch, default 10), FAIRNESS_B, FAIRNESS_TRACE (a line a batch), SKYTASK_CONCURRENCY (messages in flight and runs at once, default 20).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import {
  configFromEnv,
  createClients,
  createLogger,
  createRegistry,
  createRuntime,
  defineJob,
  type Task,
} from '../lib/index.js';
import { startPoller } from '../local/poller.js';
import { provision } from '../local/provision.js';
import { spawnEmulators, stopEmulators, useLocalCredentials } from '../local/stack-emulators.js';
import { median } from './phase.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BACKLOG = env('FAIRNESS_BACKLOG', 500);
const B_TASKS = env('FAIRNESS_B', 10);
const CONCURRENCY = env('SKYTASK_CONCURRENCY', 20);
const RUN_MS = env('FAIRNESS_RUN_MS', 1000);
/** Messages a batch, as the event source mapping's BatchSize: a batch ends with its slowest run. */
const BATCH = env('FAIRNESS_BATCH', 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const run = async () => {
  await sleep(RUN_MS);
  return 1;
};
const tenant = (kwargs: { tenant: string }) => kwargs.tenant;
const jobs = [
  defineJob({ name: 'limited', concurrency: { key: tenant, limit: 5 }, run }),
  defineJob({ name: 'unlimited', run }),
];

interface PhaseFigures {
  job: string;
  /** A's tasks started before B's last start, over A's backlog. */
  aShare: number;
  bMedianWait: number;
  bLastStart: number;
  /** Deliveries per task started, by then (waits included). */
  deliveriesPerStart: number;
  /** Deliveries by then per task queued (A's and B's). */
  deliveriesPerTask: number;
}

async function phase(base: Parameters<typeof provision>[0], job: string): Promise<PhaseFigures> {
  const provisioned = await provision({ ...base, visibilityTimeout: 30, maxReceiveCount: 5 });
  // As many runs at once as messages in flight: the consumer's capacity is above a tenant's limit.
  const config = configFromEnv({ ...provisioned, SKYTASK_CONCURRENCY: String(CONCURRENCY) });
  const logger = createLogger({ level: 'warn' });
  const runtime = createRuntime(config, createRegistry(jobs), logger, { clients: createClients(config) });
  const inner = createConsumerHandler(runtime.consumer);
  const queue = async (who: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 10) {
      const items = Array.from({ length: Math.min(10, n - i) }, () => ({ job, kwargs: { tenant: who } }));
      for (const r of await runtime.backend.queueTasks(items)) if (r.ok) ids.push(r.task!.id);
    }
    return ids;
  };
  // The backlog is queued first, then B's tasks, then the consumer starts: B's messages are behind A's.
  const a = await queue('A', BACKLOG);
  const b = await queue('B', B_TASKS);
  let deliveries = 0;
  const polling = Date.now() / 1000;
  const poller = startPoller({
    queue: {
      ...runtime.queue,
      receive: (max, wait, signal) => runtime.queue.receive(Math.min(max, BATCH), wait, signal),
    },
    handler: async (event, context) => {
      deliveries += event.Records.length;
      const t0 = Date.now();
      const r = await inner(event, context);
      if (process.env.FAIRNESS_TRACE)
        console.log(`${(t0 / 1000 - polling).toFixed(2)} batch ${event.Records.length} took ${Date.now() - t0} ms`);
      return r;
    },
    concurrency: CONCURRENCY,
    logger,
    queueArn: `arn:aws:sqs:us-east-1:000000000000:${base.queueName}`,
    waitSeconds: 1,
  });
  let bTasks: Task[] = [];
  for (;;) {
    bTasks = await runtime.store.getTasks(b);
    if (bTasks.every((t) => t.timeStarted !== undefined)) break;
    await sleep(200);
  }
  await poller.stop();
  const aTasks = await runtime.store.getTasks(a);
  const bLast = Math.max(...bTasks.map((t) => t.timeStarted!));
  const started = [...aTasks, ...bTasks].filter((t) => t.timeStarted !== undefined && t.timeStarted <= bLast).length;
  return {
    job,
    aShare: aTasks.filter((t) => t.timeStarted !== undefined && t.timeStarted < bLast).length / BACKLOG,
    bMedianWait: median(bTasks.map((t) => t.timeStarted! - polling)),
    bLastStart: bLast - polling,
    deliveriesPerStart: deliveries / started,
    deliveriesPerTask: deliveries / (BACKLOG + B_TASKS),
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'skytask-fairness-'));
const emulators = await spawnEmulators(dataDir);
try {
  console.log(
    `fairness — tenant A: ${BACKLOG} tasks of ${RUN_MS} ms, then tenant B: ${B_TASKS}; ${CONCURRENCY} in flight, batches of ${BATCH}`,
  );
  const limited = await phase({ ...emulators, table: 'fair-limited', queueName: 'fair-limited' }, 'limited');
  const unlimited = await phase({ ...emulators, table: 'fair-unlimited', queueName: 'fair-unlimited' }, 'unlimited');
  for (const f of [limited, unlimited]) {
    console.log(
      `  ${f.job.padEnd(10)} A started before B's last: ${(f.aShare * 100).toFixed(1)} % of A's backlog; B's median start ${f.bMedianWait.toFixed(2)} s after the consumer started (last ${f.bLastStart.toFixed(1)} s); ${f.deliveriesPerStart.toFixed(2)} deliveries a start, ${f.deliveriesPerTask.toFixed(2)} a task queued`,
    );
  }
  console.log(
    `  ratio limited/unlimited: A's share ${(limited.aShare / unlimited.aShare).toFixed(3)}, B's median start ${(limited.bMedianWait / unlimited.bMedianWait).toFixed(3)}`,
  );
} finally {
  await stopEmulators(emulators.pid);
  rmSync(dataDir, { recursive: true, force: true });
}
