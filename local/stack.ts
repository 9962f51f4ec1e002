import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRpcHandler } from '../functions/rpc-handler.js';
import { configFromEnv, createRuntime, type JobRegistry, type Logger, type SkytaskConfig } from '../lib/index.js';
import { envNumber, SETTINGS } from '../lib/settings.js';
import { loadJobsModule } from './jobs-module.js';
import { createLocalTimer, type LocalTimer } from './local-timer.js';
import { startLocalScheduler } from './local-scheduler.js';
import { startLanePollers } from './lane-pollers.js';
import { terminateNow } from './processes.js';
import { provision } from './provision.js';
import { StartError } from './start-error.js';
import { bindRpcPort, refuseRunningStack } from './start-checks.js';
import { logStrayErrors } from './stray-errors.js';
import { removeState, writeState, type EmulatorState } from './state-files.js';
import { bringUpEmulators, stopEmulators, useLocalCredentials } from './stack-emulators.js';

export interface StackOptions {
  /** Path of the jobs module. */
  jobs: string;
  /** JSON-RPC port on 127.0.0.1 (0: any free port). */
  port: number;
  /** Where the DynamoDB emulator keeps its data, and the state files (local/state-files.ts). */
  dataDir: string;
  logger: Logger;
  /** Seconds running tasks get to finish at shutdown. @default SETTINGS.graceSeconds.default (30) */
  graceSeconds?: number;
  /**
   * Given, once `worker.json` is written, what to run before the process exits at once (a
   * second Ctrl-C): synchronous, as nothing awaited runs after it — SIGTERM to the emulators
   * this stack runs with (once it has them), and `worker.json` removed.
   */
  onExitNow?: (exitNow: () => void) => void;
}

interface RunOptions {
  registry: JobRegistry;
  emulators: EmulatorState;
  /** Fresh emulators: their in-memory queue is empty, so every task not ready is sent again. */
  fresh: boolean;
  visibilityTimeout: number;
  reconcileEvery: number;
  logger: Logger;
  /** The local timer, once the runtime has built it (stopped on a failed start too). */
  onTimer: (timer: LocalTimer) => void;
}

/**
 * Provision the table and queues, build the runtime as the Lambda functions do, recover
 * from the last run, then start what runs: the scheduler, the poller, the reconciler. What
 * can fail comes before what runs, so a failed start has only the emulators to stop.
 */
async function runStack({ registry, emulators, fresh, logger, ...options }: RunOptions) {
  useLocalCredentials();
  let env: Record<string, string>;
  try {
    env = await provision({
      ...emulators,
      table: 'skytask',
      queueName: 'skytask',
      visibilityTimeout: options.visibilityTimeout,
      maxReceiveCount: envNumber(SETTINGS.maxReceiveCount),
      routes: registry.queues().map((queue) => queue.name),
    });
  } catch (err) {
    throw new StartError(`the local table and queues could not be created: ${(err as Error).message}`, { cause: err });
  }
  // The same configFromEnv as the Lambda functions.
  const config = configFromEnv({ ...process.env, ...env });
  const runtime = createRuntime(config, registry, logger, {
    logEvents: true,
    timer: (queue) => {
      const timer = createLocalTimer({ queue, logger });
      options.onTimer(timer);
      return timer;
    },
  });
  const { backend } = runtime;

  // The SQS emulator keeps messages in memory: a fresh one has none, so every task that is
  // not ready gets its message again. The local timer lives in this process: a task due
  // beyond the queue's delay is armed again even when the emulators were reused. The claim
  // makes a duplicate harmless.
  const { resent } = await backend.reconcile({ recovery: true, timerOnly: !fresh });
  if (resent) logger.info({ tasks: resent }, 'restart recovery: messages sent again or re-armed for tasks not ready');

  const scheduler = startLocalScheduler(runtime);
  const poller = startLanePollers(runtime, config, registry);
  // The reconciler, as a schedule does on AWS: tasks whose message was lost get it again.
  const reconciler = setInterval(() => {
    backend
      .reconcile({ olderThan: config.reconcileAfter, maxResends: config.maxResends })
      .catch((err) => logger.warn({ err }, 'reconciler run failed'));
  }, options.reconcileEvery * 1000);
  return { config, runtime, backend, scheduler, poller, reconciler };
}

/**
 * What a plain SQS producer or `createDirectClient` needs to reach this stack's table and
 * queues: the environment variables `configFromEnv` reads. The emulators listen on ports
 * picked at their start, so the queue URLs change with them: worker.json and the start's
 * log line give them. (The queue URL's host, `sqs.us-east-1.127.0.0.1`, does not resolve:
 * requests go to the SQS endpoint.)
 */
function clientEnv(config: SkytaskConfig): Record<string, string> {
  const queueNames = (queues: NonNullable<SkytaskConfig['queues']>) =>
    Object.fromEntries(
      Object.entries(queues).map(([q, urls]) => [
        q,
        Object.fromEntries(Object.entries(urls).map(([k, url]) => [k, url.split('/').pop()])),
      ]),
    );
  const pairs: [string, string | undefined][] = [
    [SETTINGS.table.env, config.table],
    [SETTINGS.queueUrl.env, config.queueUrl],
    [SETTINGS.dlqUrl.env, config.dlqUrl],
    // The lanes, as SQS queue names (docs/routing.md): the direct client sends by job and priority.
    [SETTINGS.queues.env, config.queues && JSON.stringify(queueNames(config.queues))],
    [SETTINGS.dynamodbEndpoint.env, config.dynamodbEndpoint],
    [SETTINGS.sqsEndpoint.env, config.sqsEndpoint],
    [SETTINGS.payloadBucket.env, config.payloadBucket],
    [SETTINGS.s3Endpoint.env, config.s3Endpoint],
  ];
  return Object.fromEntries(pairs.filter((pair): pair is [string, string] => pair[1] !== undefined));
}

/** The stack is up: worker.json again, now with the table and queues (`clientEnv`), and the lines saying where it is. */
function announce(up: {
  dataDir: string;
  url: string;
  graceSeconds: number;
  config: SkytaskConfig;
  registry: JobRegistry;
  logger: Logger;
}): void {
  const { dataDir, url, graceSeconds, config, registry, logger } = up;
  const env = clientEnv(config);
  writeState(dataDir, 'worker', { url, graceSeconds, env });
  logger.info({ url, jobs: registry.all().map((j) => j.name), env }, `JSON-RPC at ${url}`);
  const dashboard = `${new URL(url).origin}/`;
  logger.info({ dashboard }, `dashboard at ${dashboard}`);
}

/** What a second Ctrl-C runs on its way out, synchronously: the emulators signalled (once known), worker.json removed. */
function exitNow(dataDir: string, emulatorPid: number | undefined): void {
  if (emulatorPid !== undefined) terminateNow(emulatorPid);
  removeState(dataDir, 'worker', process.pid);
}

/**
 * The whole system on a laptop: emulators (reused if an earlier worker left them up),
 * table and queues, the consumer handler behind a poller, the RPC handler behind an HTTP
 * server, the local scheduler (periodic jobs) and timer (one-off tasks due beyond 15
 * minutes), and restart recovery.
 *
 * A start that fails throws (a StartError when the user can fix it) after stopping what it
 * started: its HTTP server, the emulators if it spawned them (not those of an earlier run
 * it reused: it found them running and leaves them so), its worker.json.
 */
export async function startStack(options: StackOptions) {
  const { logger } = options;
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  await refuseRunningStack(dataDir);
  const registry = await loadJobsModule(options.jobs);
  const visibilityTimeout = envNumber(SETTINGS.visibilityTimeout);
  const reconcileEvery = envNumber(SETTINGS.reconcileEvery);
  const grace = options.graceSeconds ?? SETTINGS.graceSeconds.default;

  const rpc = await bindRpcPort(options.port, logger);
  let spawned: number | undefined;
  let emulatorPid: number | undefined;
  let timer: LocalTimer | undefined;
  let running: Awaited<ReturnType<typeof runStack>> & { emulators: EmulatorState };
  try {
    writeState(dataDir, 'worker', { url: rpc.http.url, graceSeconds: grace });
    options.onExitNow?.(() => exitNow(dataDir, emulatorPid));
    const up = await bringUpEmulators(dataDir, logger);
    emulatorPid = up.emulators.pid;
    if (up.spawned) spawned = up.emulators.pid;
    const run = await runStack({
      ...up,
      fresh: up.spawned,
      registry,
      visibilityTimeout,
      reconcileEvery,
      logger,
      onTimer: (t) => (timer = t),
    });
    running = { ...run, emulators: up.emulators };
  } catch (err) {
    rpc.fail(err);
    timer?.stop();
    await rpc.http.close();
    if (spawned !== undefined) await stopEmulators(spawned);
    removeState(dataDir, 'worker', process.pid);
    throw err;
  }
  const { config, runtime, backend, scheduler, poller, reconciler, emulators } = running;
  const unwatch = logStrayErrors(logger, poller.runningTasks);
  rpc.ready(createRpcHandler(runtime.rpc), config.eventbridgeEndpoint);
  const { url } = rpc.http;
  announce({ dataDir, url, graceSeconds: grace, config, registry, logger });

  return {
    url,
    config,
    backend,
    runtime,
    emulators,
    /** Stop polling, let running tasks finish within the grace period, stop the emulators. */
    async stop(): Promise<void> {
      clearInterval(reconciler);
      await rpc.http.close();
      await scheduler.stop();
      timer?.stop();
      if (poller.inFlight())
        logger.info({ tasks: poller.inFlight(), grace_seconds: grace }, 'waiting for running tasks');
      const ended = await poller.stop(grace);
      if (!ended) logger.warn('grace period over: unfinished tasks run again at the next start');
      await stopEmulators(emulators.pid);
      removeState(dataDir, 'worker', process.pid);
      unwatch();
      logger.info('stopped');
    },
  };
}
