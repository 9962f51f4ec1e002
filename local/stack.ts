import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import { createRpcHandler } from '../functions/rpc-handler.js';
import { configFromEnv, createRuntime, loadRegistry, type Logger } from '../lib/index.js';
import { fromSources, packageFile } from '../lib/package-file.js';
import { envNumber, SETTINGS } from '../lib/settings.js';
import { startHttpServer } from './http.js';
import { createLocalTimer, type LocalTimer } from './local-timer.js';
import { startLocalScheduler } from './local-scheduler.js';
import { startPoller } from './poller.js';
import { provision } from './provision.js';

export interface StackOptions {
  /** Path of the jobs module. */
  jobs: string;
  /** JSON-RPC port on 127.0.0.1 (0: any free port). */
  port: number;
  /** Where the DynamoDB emulator keeps its data, and the emulators' state file. */
  dataDir: string;
  logger: Logger;
  /** Seconds running tasks get to finish at shutdown. @default SETTINGS.graceSeconds.default (30) */
  graceSeconds?: number;
}

interface EmulatorState {
  pid: number;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
}

const portOpen = (endpoint: string) =>
  new Promise<boolean>((done) => {
    const { hostname, port } = new URL(endpoint);
    const socket = connect(Number(port), hostname, () => (socket.destroy(), done(true)));
    socket.on('error', () => done(false));
  });

/** Whether a process runs (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The emulators of an earlier start that are still up (the worker was killed), if any. */
async function runningEmulators(dataDir: string): Promise<EmulatorState | undefined> {
  const file = join(dataDir, 'emulators.json');
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as EmulatorState;
  const up = alive(state.pid) && (await portOpen(state.dynamodbEndpoint)) && (await portOpen(state.sqsEndpoint));
  return up ? state : undefined;
}

/** Start the emulators in a detached process: Ctrl-C reaches the worker only, which stops them last. */
export async function spawnEmulators(dataDir: string): Promise<EmulatorState> {
  // Installed, the built .js runs with plain Node; in the repository, the source under tsx.
  const script = packageFile('local/emulator-process.ts');
  const loader = fromSources ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, [...loader, script, dataDir], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveState, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulators exited with code ${code} before they were ready`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        child.removeAllListeners('exit');
        child.stdout!.destroy();
        child.unref();
        resolveState(JSON.parse(line));
      }
    });
  });
}

/** Region and fake credentials for the emulators, unless the environment has its own. */
export function useLocalCredentials(): void {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}

export async function stopEmulators(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * The whole system on a laptop: emulators (reused if an earlier worker left them up),
 * table and queues, the consumer handler behind a poller, the RPC handler behind an HTTP
 * server, the local scheduler (periodic jobs) and timer (one-off tasks due beyond 15
 * minutes), and restart recovery.
 */
export async function startStack(options: StackOptions) {
  const { logger } = options;
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const registry = await loadRegistry(options.jobs);

  let emulators = await runningEmulators(dataDir);
  const fresh = !emulators;
  emulators ??= await spawnEmulators(dataDir);
  logger.info(
    { dynamodb: emulators.dynamodbEndpoint, sqs: emulators.sqsEndpoint, reused: !fresh, data_dir: dataDir },
    fresh ? 'emulators started' : 'emulators of an earlier run reused',
  );

  useLocalCredentials();
  const env = await provision({
    ...emulators,
    table: 'skytask',
    queueName: 'skytask',
    visibilityTimeout: envNumber(SETTINGS.visibilityTimeout),
  });
  // The same configFromEnv as the Lambda functions.
  const config = configFromEnv({ ...process.env, ...env });
  let timer: LocalTimer | undefined;
  const runtime = createRuntime(config, registry, logger, {
    timer: (queue) => (timer = createLocalTimer({ queue, logger })),
  });
  const { backend } = runtime;

  // The SQS emulator keeps messages in memory: a fresh one has none, so every task that is
  // not ready gets its message again. The local timer lives in this process: a task due
  // beyond the queue's delay is armed again even when the emulators were reused. The claim
  // makes a duplicate harmless.
  const { resent } = await backend.reconcile({ recovery: true, timerOnly: !fresh });
  if (resent) logger.info({ tasks: resent }, 'restart recovery: messages sent again or re-armed for tasks not ready');
  // The reconciler, as a schedule does on AWS: tasks whose message was lost get it again.
  const reconciler = setInterval(() => {
    backend
      .reconcile({ olderThan: config.reconcileAfter, maxResends: config.maxResends })
      .catch((err) => logger.warn({ err }, 'reconciler run failed'));
  }, envNumber(SETTINGS.reconcileEvery) * 1000);

  const poller = startPoller({
    queue: runtime.queue,
    handler: createConsumerHandler(runtime.consumer),
    concurrency: config.concurrency,
    logger,
    queueArn: `arn:aws:sqs:us-east-1:000000000000:skytask`,
  });
  const scheduler = startLocalScheduler(runtime);
  const http = await startHttpServer({
    port: options.port,
    handler: createRpcHandler(runtime.rpc),
    logger,
  });
  logger.info({ url: http.url, jobs: registry.all().map((j) => j.name) }, `JSON-RPC at ${http.url}`);

  return {
    url: http.url,
    config,
    backend,
    runtime,
    emulators,
    /** Stop polling, let running tasks finish within the grace period, stop the emulators. */
    async stop(): Promise<void> {
      clearInterval(reconciler);
      await http.close();
      await scheduler.stop();
      timer?.stop();
      const grace = options.graceSeconds ?? SETTINGS.graceSeconds.default;
      if (poller.inFlight())
        logger.info({ tasks: poller.inFlight(), grace_seconds: grace }, 'waiting for running tasks');
      const ended = await poller.stop(grace);
      if (!ended) logger.warn('grace period over: unfinished tasks run again at the next start');
      await stopEmulators(emulators!.pid);
      logger.info('stopped');
    },
  };
}
