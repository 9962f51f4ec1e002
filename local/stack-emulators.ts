/**
 * The emulators a local stack runs with, as a process of their own (local/emulator-process.ts):
 * those of an earlier start reused while they are up (the worker was killed), else new ones
 * spawned detached; stopped by their pid. And the region and fake credentials they take.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../lib/log.js';
import { fromSources, packageFile } from '../lib/package-file.js';
import { alive, isRecordedProcess, portOpen, terminateNow } from './processes.js';
import { StartError } from './start-error.js';
import { readState, type EmulatorState } from './state-files.js';

/** The emulators of an earlier start that are still up (the worker was killed), if any. */
async function runningEmulators(dataDir: string): Promise<EmulatorState | undefined> {
  const state = readState(dataDir, 'emulators');
  if (!state) return undefined;
  // An older skytask's emulators (no S3) are stopped, not reused: they hold the data dir.
  if (!state.s3Endpoint) {
    if (await isRecordedProcess(state, [state.dynamodbEndpoint, state.sqsEndpoint])) await stopEmulators(state.pid);
    return undefined;
  }
  const endpoints = [state.dynamodbEndpoint, state.sqsEndpoint, state.s3Endpoint];
  const up = (await isRecordedProcess(state, endpoints)) && (await Promise.all(endpoints.map(portOpen))).every(Boolean);
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

/** SIGTERM to the emulator process, then wait (up to 5 s) until it is gone. */
export async function stopEmulators(pid: number): Promise<void> {
  if (!terminateNow(pid)) return;
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/** The emulators of an earlier run if they are still up, else new ones; `spawned`: this start started them. */
export async function bringUpEmulators(
  dataDir: string,
  logger: Logger,
): Promise<{ emulators: EmulatorState; spawned: boolean }> {
  const reused = await runningEmulators(dataDir);
  let emulators = reused;
  if (!emulators) {
    try {
      emulators = await spawnEmulators(dataDir);
    } catch (err) {
      throw new StartError(`the emulators could not start: ${(err as Error).message}`, { cause: err });
    }
  }
  logger.info(
    {
      pid: emulators.pid,
      dynamodb: emulators.dynamodbEndpoint,
      sqs: emulators.sqsEndpoint,
      s3: emulators.s3Endpoint,
      reused: !!reused,
      data_dir: dataDir,
    },
    reused ? 'emulators of an earlier run reused' : 'emulators started',
  );
  return { emulators, spawned: !reused };
}
