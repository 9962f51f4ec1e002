/**
 * Fault injection against the local stack as a user runs it: the worker (`skytask start`)
 * is killed with SIGKILL at random points while it runs tasks and is restarted; once, the
 * whole stack (worker and emulators) is killed. Then every task must be SUCCESS with its
 * one result, none lost, and job bodies re-run only as often as kills can explain.
 *
 * With `chords`, chords of `chordSize` members run beside the tasks (test/chaos/chords.ts):
 * every callback must be SUCCESS with its sum, released once.
 *
 * The test suite runs a small round (test/faults.test.ts); `npm run chaos` a longer one:
 * CHAOS_TASKS, CHAOS_KILLS, CHAOS_STACK_KILLS, CHAOS_CONCURRENCY, CHAOS_CHORDS, CHAOS_CHORD_SIZE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ChordReport, checkChords, queueChords } from './chords.js';
import { checkLimited, type LimitsOptions, type LimitsReport, limitsEnv, PARK_LOGS, queueLimited } from './limits.js';

export interface ChaosOptions {
  tasks: number;
  kills: number;
  stackKills: number;
  concurrency: number;
  /** Chords to run beside the tasks, of `chordSize` members each. @default 0 */
  chords?: number;
  chordSize?: number;
  /** Tasks of a job with a per-key concurrency limit, beside the others (test/chaos/limits.ts). */
  limited?: LimitsOptions;
  log?: (line: string) => void;
}

export interface ChaosReport {
  tasks: number;
  kills: number;
  stackKills: number;
  succeeded: number;
  lost: number;
  wrongResults: number;
  runs: number;
  /** Tasks whose job body never ran (SUCCESS without a run would be a fake outcome). */
  neverRan: number;
  reruns: number;
  rerunTasks: number;
  maxAttempts: number;
  seconds: number;
  chords?: ChordReport;
  limits?: LimitsReport;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The lease of the limits workload: short (under the 2 s visibility), so a killed run's permit lapses soon. */
const LIMITS_LEASE_SECONDS = 1.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function chaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'skytask-chaos-'));
  const runsFile = join(dataDir, 'runs.log');
  const callbacksFile = join(dataDir, 'callbacks.log');
  /** Releases of WAITING tasks, by task id, from every worker's log. */
  const releases = new Map<string, number>();
  /** Parks and releases of parked tasks, from every worker's log (the limits workload). */
  const parking = { parks: 0, releases: 0 };
  const chordRun = (options.chords ?? 0) > 0;
  const limitsFile = join(dataDir, 'limits.log');
  /** When each kill happened (ms): a run cut by one ends there. */
  const kills: number[] = [];
  const started = Date.now();
  let worker: { child: ChildProcess; url: string; exited: Promise<unknown> } | undefined;

  const start = async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/cli.ts', 'start', '--port', '0', '--data-dir', dataDir, '--json'],
      {
        cwd: root,
        env: {
          ...process.env,
          SKYTASK_JOBS: join(root, 'test/fixtures/chaos-jobs.ts'),
          SKYTASK_CHAOS_RUNS: runsFile,
          SKYTASK_CHAOS_CALLBACKS: callbacksFile,
          SKYTASK_VISIBILITY_TIMEOUT: '2',
          SKYTASK_CONCURRENCY: String(options.concurrency),
          // A join whose every message a kill lost is made good by the reconciler: soon, here.
          ...(chordRun ? { SKYTASK_RECONCILE_AFTER: '10', SKYTASK_RECONCILE_EVERY: '5' } : {}),
          ...(options.limited ? limitsEnv(limitsFile, options.limited, LIMITS_LEASE_SECONDS) : {}),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`skytask start exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line);
        if (entry.url) resolve(entry.url);
        if (entry.msg?.startsWith('workflow task released'))
          releases.set(entry.task_id, (releases.get(entry.task_id) ?? 0) + 1);
        if (entry.msg === PARK_LOGS.parks) parking.parks++;
        if (entry.msg === PARK_LOGS.releases) parking.releases++;
      });
    });
    worker = { child, url, exited };
  };
  const rpc = async (calls: { method: string; params?: unknown }[]): Promise<any[]> => {
    const body = calls.map((c, id) => ({ jsonrpc: '2.0', id, ...c }));
    const res = await fetch(worker!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const out = (await res.json()) as any[];
    return out
      .sort((a, b) => a.id - b.id)
      .map((r) => {
        if (r.error) throw new Error(`${calls[r.id].method}: ${r.error.message}`);
        return r.result;
      });
  };
  const emulatorPid = () => JSON.parse(readFileSync(join(dataDir, 'emulators.json'), 'utf8')).pid as number;
  const kill = async (whole: boolean) => {
    const pid = whole ? emulatorPid() : undefined;
    kills.push(Date.now());
    worker!.child.kill('SIGKILL');
    await worker!.exited;
    if (pid) process.kill(pid, 'SIGKILL');
    await start();
  };

  try {
    await start();
    const ids: string[] = [];
    for (let i = 0; i < options.tasks; i += 50) {
      const batch = Array.from({ length: Math.min(50, options.tasks - i) }, (_, n) => ({
        method: 'queue_task',
        params: { jobname: 'work', i: i + n },
      }));
      ids.push(...(await rpc(batch)).map((t) => t.id));
    }
    if (options.limited) ids.push(...(await queueLimited(rpc, options.limited, options.tasks)));
    log(`queued ${ids.length} tasks`);
    const chords = chordRun ? await queueChords(rpc, options.chords!, options.chordSize ?? 50) : [];
    if (chordRun) log(`queued ${chords.length} chords of ${options.chordSize ?? 50}`);
    const plan = [...Array(options.kills).fill(false), ...Array(options.stackKills).fill(true)].sort(
      () => Math.random() - 0.5,
    );
    for (const whole of plan) {
      await sleep(200 + Math.random() * 800);
      await kill(whole);
      log(whole ? 'killed the whole stack (worker and emulators) and restarted' : 'killed the worker and restarted');
    }
    // Wait for every task: each wait answers within its timeout; ask again until ready.
    const tasks: any[] = [];
    const deadline = Date.now() + 180_000;
    for (let i = 0; i < ids.length; i += 25) {
      const slice = ids.slice(i, i + 25);
      let done: any[] = [];
      while (Date.now() < deadline) {
        done = await rpc(slice.map((id) => ({ method: 'get_task', params: [id] })));
        if (done.every((t) => t && ['SUCCESS', 'FAILURE', 'REVOKED'].includes(t.status))) break;
        await sleep(250);
      }
      tasks.push(...done);
    }
    const chordReport =
      chordRun &&
      (await checkChords(rpc, chords, options.chordSize ?? 50, { callbacks: callbacksFile, releases }, deadline));
    const runs = existsSync(runsFile) ? readFileSync(runsFile, 'utf8').split('\n').filter(Boolean) : [];
    const perTask = new Map<string, number>();
    for (const id of runs) perTask.set(id, (perTask.get(id) ?? 0) + 1);
    const succeeded = tasks.filter((t) => t?.status === 'SUCCESS').length;
    const at = { file: limitsFile, kills, leaseSeconds: LIMITS_LEASE_SECONDS, offset: options.tasks, parking };
    const limits =
      options.limited &&
      (await checkLimited(tasks.slice(options.tasks), options.limited, {
        ...at,
        dynamodbEndpoint: JSON.parse(readFileSync(join(dataDir, 'emulators.json'), 'utf8')).dynamodbEndpoint,
      }));
    return {
      tasks: ids.length,
      kills: options.kills,
      stackKills: options.stackKills,
      succeeded,
      lost: ids.length - succeeded,
      wrongResults: tasks.filter((t, n) => t?.status === 'SUCCESS' && t.result !== n).length,
      runs: runs.length,
      neverRan: ids.filter((id) => !perTask.has(id)).length,
      reruns: runs.length - perTask.size,
      rerunTasks: [...perTask.values()].filter((n) => n > 1).length,
      maxAttempts: Math.max(0, ...tasks.map((t) => t?.attempts ?? 0)),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ...(chordReport ? { chords: chordReport } : {}),
      ...(limits ? { limits } : {}),
    };
  } finally {
    if (worker) {
      worker.child.kill('SIGINT');
      await Promise.race([worker.exited, sleep(15_000)]);
      worker.child.kill('SIGKILL');
    }
    const state = join(dataDir, 'emulators.json');
    if (existsSync(state)) {
      try {
        process.kill(emulatorPid(), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const report = await chaos({
    tasks: env('CHAOS_TASKS', 2000),
    kills: env('CHAOS_KILLS', 15),
    stackKills: env('CHAOS_STACK_KILLS', 3),
    concurrency: env('CHAOS_CONCURRENCY', 10),
    chords: env('CHAOS_CHORDS', 20),
    chordSize: env('CHAOS_CHORD_SIZE', 50),
    log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
  });
  console.log(JSON.stringify(report, null, 2));
  const chordsOk = !report.chords || (report.chords.lostCallbacks === 0 && report.chords.doubleCallbacks === 0);
  const ok = report.lost === 0 && report.wrongResults === 0 && report.neverRan === 0 && chordsOk;
  console.log(ok ? 'chaos: every task reached SUCCESS with its one result' : 'chaos: FAILED');
  process.exit(ok ? 0 : 1);
}
