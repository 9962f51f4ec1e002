/**
 * `npm run bench`: skytask's own path against the floor — the fewest AWS calls a tracked
 * task can make (bench/floor.ts) — in one process, on the same emulators, the same table and
 * indexes, alternating A B B A so that the machine's drift falls on both alike. Prints
 * tasks/s of each and the ratio skytask/floor, AWS calls per task, enqueue→finish latency,
 * DynamoDB write units per task (metered: test/write-meter.ts) at kwargs of 100 B, 10 KB and
 * 100 KB, RPC `queue_task` latency at a fixed rate against the same two calls made raw, and
 * each Lambda bundle's size and cold start. BENCHMARKS.md gives the method and the figures.
 *
 * Knobs: BENCH_TASKS (tasks per phase, default 1,000), BENCH_ROUNDS (A B B A rounds, default
 * 3), SKYTASK_CONCURRENCY (messages in flight, default 32), BENCH_PRODUCERS (concurrent
 * producers of ten tasks each, default 4), BENCH_RPC_RATE (requests/s, default 50),
 * BENCH_RPC_SECONDS (default 10), BENCH_BUNDLE_ROUNDS (cold starts per bundle, default 3; 0
 * skips the bundles).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import { createRpcHandler } from '../functions/rpc-handler.js';
import {
  configFromEnv,
  createClients,
  createLogger,
  createRegistry,
  createRuntime,
  type SkytaskConfig,
} from '../lib/index.js';
import { SETTINGS } from '../lib/settings.js';
import { startHttpServer } from '../local/http.js';
import { startPoller } from '../local/poller.js';
import { provision } from '../local/provision.js';
import { spawnEmulators, stopEmulators, useLocalCredentials } from '../local/stack-emulators.js';
import { createWriteMeter, type Units } from '../test/write-meter.js';
import { runFloor, type FloorSetup, type LoadOptions } from './floor.js';
import { bundleLines, measureBundles } from './function-bundles.js';
import * as jobs from './jobs.js';
import { createCallCounter, median, percentile, type PhaseResult, spread } from './phase.js';
import { measureRpcLatency } from './rpc-latency.js';
import { runSkytask } from './skytask-path.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const TASKS = env('BENCH_TASKS', 1000);
const ROUNDS = env('BENCH_ROUNDS', 3);
// The bench's own default, above the runtime's: it measures throughput, not the default setup.
const CONCURRENCY = env(SETTINGS.concurrency.env, 32);
const PRODUCERS = env('BENCH_PRODUCERS', 4);
const RPC_RATE = env('BENCH_RPC_RATE', 50);
const RPC_SECONDS = env('BENCH_RPC_SECONDS', 10);
const BUNDLE_ROUNDS = env('BENCH_BUNDLE_ROUNDS', 3);
const METERED_TASKS = 20;
const logger = createLogger({ level: 'warn' });
const counter = createCallCounter();

/** skytask's runtime over fresh clients, counted by `counter` (or metered by `meter`). */
function skytaskRuntime(config: SkytaskConfig, meter?: ReturnType<typeof createWriteMeter>) {
  const clients = createClients(config);
  if (meter) meter.attach(clients.dynamodb);
  else counter.attach(clients.dynamodb, 'DynamoDB'), counter.attach(clients.sqs, 'SQS');
  return createRuntime(config, createRegistry(jobs), logger, { clients });
}

/** The floor's clients over the same table, counted by `counter` (or metered by `meter`). */
function floorSetup(config: SkytaskConfig, queueUrl: string, meter?: ReturnType<typeof createWriteMeter>): FloorSetup {
  const clients = createClients(config);
  if (meter) meter.attach(clients.dynamodb);
  else counter.attach(clients.dynamodb, 'DynamoDB'), counter.attach(clients.sqs, 'SQS');
  const doc = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return { doc, sqs: clients.sqs, table: config.table, queueUrl, calls: counter.snapshot };
}

const load = (run: string, over: Partial<LoadOptions> = {}): LoadOptions => ({
  tasks: TASKS,
  producers: PRODUCERS,
  concurrency: CONCURRENCY,
  kwargsBytes: 100,
  run,
  ...over,
});

/** Write units per task of `tasks` tasks through one path at one kwargs size, metered. */
async function metered(kind: 'floor' | 'skytask', kwargsBytes: number, config: SkytaskConfig, floorQueue: string) {
  const meter = createWriteMeter({ endpoint: config.dynamodbEndpoint });
  const o = load(`meter-${kind}-${kwargsBytes}`, { tasks: METERED_TASKS, producers: 1, concurrency: 10, kwargsBytes });
  const none = () => new Map<string, number>();
  if (kind === 'floor') await runFloor({ ...floorSetup(config, floorQueue, meter), calls: none }, o);
  else
    await runSkytask(
      { runtime: skytaskRuntime(config, meter), queueArn: 'arn:aws:sqs:us-east-1:0:bench', calls: none },
      o,
    );
  const units: Units = meter.total((pk) => pk.startsWith('task#'));
  meter.destroy();
  return {
    table: units.table / METERED_TASKS,
    index: units.index / METERED_TASKS,
    writes: units.writes / METERED_TASKS,
  };
}

function report(results: PhaseResult[]) {
  const of = (label: string) => results.filter((r) => r.label === label);
  const tps = (r: PhaseResult) => r.tasks / r.seconds;
  const [floor, sky] = [of('floor'), of('skytask')];
  // A B B A: each skytask phase against the floor phase beside it (the first B with the first A…).
  const ratios = sky.map((s, n) => tps(s) / tps(floor[n]));
  console.log('\nphase      tasks/s   p50 ms   p99 ms');
  for (const r of results) {
    console.log(
      `${r.label.padEnd(9)} ${tps(r).toFixed(0).padStart(8)} ${percentile(r.latenciesMs, 50).toFixed(0).padStart(8)} ${percentile(r.latenciesMs, 99).toFixed(0).padStart(8)}`,
    );
  }
  console.log(`\ntasks/s    floor ${spread(floor.map(tps))}, skytask ${spread(sky.map(tps))}`);
  console.log(`ratio      skytask/floor ${spread(ratios, 2)} (each skytask phase / the floor phase beside it)`);
  for (const [label, rs] of [
    ['floor', floor],
    ['skytask', sky],
  ] as const) {
    const p50 = median(rs.map((r) => percentile(r.latenciesMs, 50)));
    const p99 = median(rs.map((r) => percentile(r.latenciesMs, 99)));
    console.log(
      `latency    ${label.padEnd(8)} p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (enqueue → finish write)`,
    );
  }
  console.log('\nAWS calls per task          floor  skytask');
  const apis = [...new Set(results.flatMap((r) => [...r.calls.keys()]))].sort();
  const per = (rs: PhaseResult[], api: string) => median(rs.map((r) => (r.calls.get(api) ?? 0) / r.tasks));
  for (const api of apis) {
    console.log(
      `  ${api.padEnd(26)} ${per(floor, api).toFixed(2).padStart(5)} ${per(sky, api).toFixed(2).padStart(8)}`,
    );
  }
  const total = (rs: PhaseResult[]) =>
    median(rs.map((r) => [...r.calls.values()].reduce((a, b) => a + b, 0) / r.tasks));
  console.log(`  ${'all'.padEnd(26)} ${total(floor).toFixed(2).padStart(5)} ${total(sky).toFixed(2).padStart(8)}`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'skytask-bench-'));
const emulators = await spawnEmulators(dataDir);
try {
  const base = { ...emulators, table: 'bench', queueName: 'bench' };
  const config = configFromEnv({ ...(await provision(base)), [SETTINGS.concurrency.env]: String(CONCURRENCY) });
  const floorQueue = (await provision({ ...base, queueName: 'bench-floor' }))[SETTINGS.queueUrl.env];
  const rawQueue = (await provision({ ...base, queueName: 'bench-raw' }))[SETTINGS.queueUrl.env];
  const runtime = skytaskRuntime(config);
  const sky = { runtime, queueArn: 'arn:aws:sqs:us-east-1:000000000000:bench', calls: counter.snapshot };
  const floor = floorSetup(config, floorQueue);

  console.log(
    `skytask bench — ${TASKS} tasks a phase, A B B A × ${ROUNDS}, concurrency ${CONCURRENCY}, ${PRODUCERS} producers of 10`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  // Warm-up, not reported: JIT, connections, the table's first writes.
  await runFloor(floor, load('warm-floor', { tasks: 200 }));
  await runSkytask(sky, load('warm-sky', { tasks: 200 }));
  const results: PhaseResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [n, kind] of (['floor', 'skytask', 'skytask', 'floor'] as const).entries()) {
      const o = load(`r${round}-${n}`);
      results.push(kind === 'floor' ? await runFloor(floor, o) : await runSkytask(sky, o));
    }
  }
  report(results);

  console.log(`\nDynamoDB write units per task (metered, index writes included; ${METERED_TASKS} tasks each):`);
  const floorUnits = await metered('floor', 100, config, floorQueue);
  const line = (label: string, u: Awaited<ReturnType<typeof metered>>) =>
    console.log(
      `  ${label.padEnd(24)} ${(u.table + u.index).toFixed(2).padStart(6)} (table ${u.table.toFixed(2)} + index ${u.index.toFixed(2)}; ${u.writes.toFixed(2)} writes)`,
    );
  line('floor, kwargs 100 B', floorUnits);
  for (const bytes of [100, 10 * 1024, 100 * 1024]) {
    line(
      `skytask, kwargs ${bytes >= 1024 ? `${bytes / 1024} KB` : `${bytes} B`}`,
      await metered('skytask', bytes, config, floorQueue),
    );
  }

  const poller = startPoller({
    queue: runtime.queue,
    handler: createConsumerHandler(runtime.consumer),
    concurrency: CONCURRENCY,
    logger,
    queueArn: sky.queueArn,
    waitSeconds: 1,
  });
  const http = await startHttpServer({ port: 0, handler: createRpcHandler(runtime.rpc), logger });
  const latency = await measureRpcLatency({
    rpcUrl: http.url,
    doc: floor.doc,
    sqs: floor.sqs,
    table: config.table,
    rawQueueUrl: rawQueue,
    ratePerSecond: RPC_RATE,
    seconds: RPC_SECONDS,
  });
  await http.close();
  await poller.stop();
  const p = (xs: number[], q: number) => percentile(xs, q).toFixed(1);
  console.log(
    `\nRPC queue_task at ${RPC_RATE}/s for ${RPC_SECONDS} s, the consumer running, against PutItem + SendMessage made raw at the same rate:`,
  );
  console.log(`  queue_task over HTTP     p50 ${p(latency.rpc, 50)} ms, p99 ${p(latency.rpc, 99)} ms`);
  console.log(`  raw put + send           p50 ${p(latency.raw, 50)} ms, p99 ${p(latency.raw, 99)} ms`);
  console.log(
    `  ratio                    p50 ${(percentile(latency.rpc, 50) / percentile(latency.raw, 50)).toFixed(2)}, p99 ${(percentile(latency.rpc, 99) / percentile(latency.raw, 99)).toFixed(2)}`,
  );

  if (BUNDLE_ROUNDS > 0) {
    console.log('\nLambda bundles (the SDK bundled, as deployed):');
    console.log(
      bundleLines(await measureBundles(BUNDLE_ROUNDS, ['bundled']))
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
} finally {
  await stopEmulators(emulators.pid);
  rmSync(dataDir, { recursive: true, force: true });
}
