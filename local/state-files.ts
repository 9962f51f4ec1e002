/**
 * The state files in a local stack's data dir: which processes run it, so that a later
 * `skytask start` reuses the emulators and `skytask stop` finds what to stop.
 *
 * - `emulators.json`: written by the emulator process when it is ready, removed when it stops.
 * - `worker.json`: written by `skytask start` once its port is bound (again with the table
 *   and queue URLs once the stack is up), removed when it stops.
 *
 * A process killed with SIGKILL leaves its file behind: a reader checks that the recorded
 * process is still the one that wrote it (local/processes.ts) before it trusts the file.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmdlineOf, type ProcessRecord } from './processes.js';

/** The emulator process: its pid and endpoints. */
export interface EmulatorState extends ProcessRecord {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The local PutEvents endpoint (absent in the state of an older start). */
  eventsEndpoint?: string;
  /** S3 (s3rver): the payload bucket. Absent in the state of an older skytask's emulators. */
  s3Endpoint?: string;
}

/** The worker (`skytask start`): its pid, JSON-RPC URL and shutdown grace. */
export interface WorkerState extends ProcessRecord {
  url: string;
  /** Seconds its shutdown lets running tasks finish: how long `skytask stop` waits before SIGKILL. */
  graceSeconds: number;
  /**
   * Once the stack is up: the environment variables that reach its table and queues
   * (`SKYTASK_TABLE`, `SKYTASK_QUEUE_URL`, `SKYTASK_DLQ_URL`, `AWS_ENDPOINT_URL_DYNAMODB`,
   * `AWS_ENDPOINT_URL_SQS`), for a plain SQS producer or `createDirectClient`.
   */
  env?: Record<string, string>;
}

const FILES = { emulators: 'emulators.json', worker: 'worker.json' } as const;
type StateName = keyof typeof FILES;
type StateOf<N extends StateName> = N extends 'emulators' ? EmulatorState : WorkerState;

/** The state file's path in a data dir. */
export const statePath = (dataDir: string, name: StateName) => join(dataDir, FILES[name]);

/** A state file's record; undefined when there is none, or it is not a record (treated as stale). */
export function readState<N extends StateName>(dataDir: string, name: N): StateOf<N> | undefined {
  try {
    const state = JSON.parse(readFileSync(statePath(dataDir, name), 'utf8'));
    return Number.isInteger(state?.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the data dir has this state file at all (a record or not). */
export function hasState(dataDir: string, name: StateName): boolean {
  try {
    readFileSync(statePath(dataDir, name));
    return true;
  } catch {
    return false;
  }
}

/**
 * Record this process (its pid and, on Linux, its command line, so a reused pid is not
 * mistaken for it). Written to a temporary file and renamed: a reader never sees half a file.
 */
export function writeState<N extends StateName>(
  dataDir: string,
  name: N,
  state: Omit<StateOf<N>, 'pid' | 'cmdline'>,
): void {
  const file = statePath(dataDir, name);
  const record = { pid: process.pid, cmdline: cmdlineOf(process.pid), ...state };
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(record));
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** Remove a state file; with `pid`, only if it still records that process (a newer one may have replaced it). */
export function removeState(dataDir: string, name: StateName, pid?: number): void {
  if (pid !== undefined && readState(dataDir, name)?.pid !== pid) return;
  rmSync(statePath(dataDir, name), { force: true });
}
