/**
 * `skytask stop`: stop the local stack of a data dir, from another shell or a script. The
 * worker gets SIGTERM, as Ctrl-C does (running tasks finish within its grace period; it
 * stops its emulators itself); emulators still up after that (the worker was killed and
 * left them) get SIGTERM too. A state file whose process is gone, or whose pid now belongs
 * to another program, is removed and nothing is signalled.
 */
import { resolve } from 'node:path';
import { envValue, SETTINGS } from '../lib/settings.js';
import { EXIT } from './cli-exit.js';
import { isRecordedProcess, type StopOutcome, stopProcess } from './processes.js';
import { type EmulatorState, hasState, readState, removeState, type WorkerState } from './state-files.js';

export interface StopOptions {
  dataDir?: string;
}

/** Seconds the worker gets beyond its grace period to stop its emulators and exit, before SIGKILL. */
const WORKER_SLACK_SECONDS = 15;
/** Seconds the emulators get to close before SIGKILL. */
const EMULATOR_GRACE_SECONDS = 10;

const workerEndpoints = (w: WorkerState) => [w.url];
const emulatorEndpoints = (e: EmulatorState) => [e.dynamodbEndpoint, e.sqsEndpoint];

/** The recorded process if it still runs; a state file that names no running process is removed. */
async function recorded<S extends WorkerState | EmulatorState>(
  dataDir: string,
  name: 'worker' | 'emulators',
  endpoints: (state: S) => string[],
  notes: string[],
): Promise<S | undefined> {
  const state = readState(dataDir, name) as S | undefined;
  if (state && (await isRecordedProcess(state, endpoints(state)))) return state;
  if (hasState(dataDir, name)) {
    removeState(dataDir, name);
    const why = state ? `pid ${state.pid} is gone or is another program now` : 'not a state file';
    notes.push(`removed a stale ${name}.json (${why})`);
  }
  return undefined;
}

const outcome = (how: StopOutcome, seconds: number) =>
  how === 'killed' ? `, killed: it did not stop within ${seconds} s` : '';

/** `skytask stop`: returns the exit code (0 whether or not something was running). */
export async function stop(values: StopOptions): Promise<number> {
  const dataDir = resolve(values.dataDir ?? envValue(SETTINGS.dataDir) ?? SETTINGS.dataDir.default);
  const notes: string[] = [];
  const stopped: string[] = [];
  try {
    // Both read first: the worker stops its emulators on its way out, and removes their file.
    const worker = await recorded(dataDir, 'worker', workerEndpoints, notes);
    const emulators = await recorded(dataDir, 'emulators', emulatorEndpoints, notes);
    if (worker) {
      const seconds = (worker.graceSeconds ?? SETTINGS.graceSeconds.default) + WORKER_SLACK_SECONDS;
      process.stdout.write(`stopping the worker (pid ${worker.pid}, ${worker.url}): running tasks may finish first\n`);
      const how = await stopProcess(worker.pid, seconds * 1000, () =>
        isRecordedProcess(worker, workerEndpoints(worker)),
      );
      removeState(dataDir, 'worker', worker.pid);
      stopped.push(`the worker (pid ${worker.pid}${outcome(how, seconds)})`);
    }
    if (emulators) {
      const running = () => isRecordedProcess(emulators, emulatorEndpoints(emulators));
      const how = (await running())
        ? await stopProcess(emulators.pid, EMULATOR_GRACE_SECONDS * 1000, running)
        : 'stopped';
      removeState(dataDir, 'emulators', emulators.pid);
      stopped.push(`the emulators (pid ${emulators.pid}${outcome(how, EMULATOR_GRACE_SECONDS)})`);
    }
  } catch (err) {
    process.stderr.write(`skytask stop: ${(err as Error).message} (data dir ${dataDir})\n`);
    return EXIT.stackFailed;
  }
  for (const note of notes) process.stdout.write(`${note}\n`);
  process.stdout.write(
    stopped.length
      ? `stopped ${stopped.join(' and ')} (data dir ${dataDir})\n`
      : `nothing was running (data dir ${dataDir})\n`,
  );
  return EXIT.ok;
}
