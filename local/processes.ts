/**
 * The local stack's processes as other processes see them: is a recorded pid still the
 * program that recorded it, and stopping one (SIGTERM, a wait, SIGKILL as the last resort).
 *
 * A pid in a state file may be stale: the process is gone, or the pid now belongs to
 * another program (pids are reused). Signalling a pid is only safe once the process is
 * recognized: on Linux by its command line (/proc/<pid>/cmdline, which the process recorded
 * itself), elsewhere by the ports it listens on.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** A process as a state file records it. */
export interface ProcessRecord {
  pid: number;
  /** Its command line, as /proc/<pid>/cmdline gave it (Linux); absent where there is no /proc. */
  cmdline?: string[];
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A process's command line from /proc (Linux): undefined where there is no /proc or the
 * process is gone; empty for a zombie (it has exited, its parent has not reaped it yet).
 */
export function cmdlineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** Whether something accepts connections at `endpoint`'s host and port. */
export function portOpen(endpoint: string): Promise<boolean> {
  return new Promise<boolean>((done) => {
    const { hostname, port } = new URL(endpoint);
    const socket = connect(Number(port), hostname, () => (socket.destroy(), done(true)));
    socket.on('error', () => done(false));
  });
}

/**
 * Whether the recorded process still runs and is the one that recorded itself: the same
 * command line where /proc has one; elsewhere its `endpoints` (at least one) still accept
 * connections. A stale record (pid gone, reused by another program, a zombie) is false.
 */
export async function isRecordedProcess(record: ProcessRecord, endpoints: string[]): Promise<boolean> {
  if (!Number.isInteger(record.pid) || record.pid <= 0 || !alive(record.pid)) return false;
  const now = cmdlineOf(record.pid);
  if (record.cmdline && now) return now.length > 0 && now.join('\0') === record.cmdline.join('\0');
  if (!endpoints.length) return false;
  return (await Promise.all(endpoints.map(portOpen))).every(Boolean);
}

/**
 * SIGTERM `pid` and return at once: no wait, never throws. For a process on its way out
 * (a second Ctrl-C) that must still stop what it started. False if it could not be signalled
 * (already gone, or not ours).
 */
export function terminateNow(pid: number): boolean {
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}

/** Send a signal; false if the process is already gone, an error naming it if it cannot be signalled. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    throw new Error(`cannot send ${name} to process ${pid}: ${code ?? (err as Error).message}`, { cause: err });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How a stop went: it exited after SIGTERM, or it had to be killed. */
export type StopOutcome = 'stopped' | 'killed';

/**
 * Stop a recognized process: SIGTERM, then up to `graceMs` for it to exit (its own
 * shutdown: a worker lets running tasks finish), then SIGKILL. `running` says whether it
 * is still there (a zombie is not). Throws if it cannot be signalled (another user's
 * process) or survives SIGKILL.
 */
export async function stopProcess(pid: number, graceMs: number, running: () => Promise<boolean>): Promise<StopOutcome> {
  const exited = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (!(await running())) return true;
    return !(await running());
  };
  if (!signal(pid, 'SIGTERM')) return 'stopped';
  if (await exited(graceMs)) return 'stopped';
  signal(pid, 'SIGKILL');
  if (await exited(5_000)) return 'killed';
  throw new Error(`process ${pid} is still running after SIGKILL`);
}
