/**
 * The per-key limits workload of the fault-injection run: tasks of `limited` (a concurrency
 * limit per key, test/fixtures/chaos-jobs.ts) over a few keys, through kills. What counts,
 * from the runs' own records (each run appends `start` and `end` lines with its key and the
 * time): the limit is never exceeded — at no instant more than `limit` runs of a key, a run cut
 * by a kill counted until that kill — no task is lost, no permit is left held beyond one
 * lease after the last kill (read from the table at the end), and no parked task is left
 * WAITING (a hand-on a kill cut short is made good by the reconciler's sweep, every 5 s here).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createClients, createDynamoStore, defineJob } from '../../lib/index.js';
import { taskLimits } from '../../lib/key-limits.js';

type Rpc = (calls: { method: string; params?: unknown }[]) => Promise<any[]>;

export interface LimitsOptions {
  tasks: number;
  keys: number;
  limit: number;
}

export interface LimitsReport {
  tasks: number;
  /** Tasks not SUCCESS with their result at the end. */
  lost: number;
  runs: number;
  /** Runs with a start and no end: cut by a kill. */
  cutRuns: number;
  /** The most runs of one key at once, over every key. */
  mostAtOnce: number;
  /** Permits still held at the end (by runs a kill cut), and those held beyond one lease after the last kill. */
  heldAtEnd: number;
  leaked: number;
  /** Most attempts of a task: waits are not attempts, so only kills raise it. */
  maxAttempts: number;
  /** Parks over the limit and releases of parked tasks, from the workers' logs. */
  parks: number;
  releases: number;
  /** Tasks still WAITING (parked) at the end: a hand-on lost and never made good. */
  stranded: number;
}

/**
 * The environment the worker needs for the workload: where runs are logged, the limit, a short
 * lease, and a reconciler every 5 s (its sweep hands on a permit a kill kept from a parked task).
 */
export const limitsEnv = (file: string, o: LimitsOptions, leaseSeconds: number) => ({
  SKYTASK_CHAOS_LIMITS: file,
  SKYTASK_CHAOS_LIMIT: String(o.limit),
  SKYTASK_LEASE_SECONDS: String(leaseSeconds),
  SKYTASK_RECONCILE_AFTER: '10',
  SKYTASK_RECONCILE_EVERY: '5',
});

/** Log lines a worker writes when a task parks and when a parked task is released. */
export const PARK_LOGS = {
  parks: 'over its per-key limit: parked',
  releases: 'parked task released: a permit of its key is free',
} as const;

/** Queue the workload: its task `i` of key `k<i % keys>`, returning `offset + i`. Its ids, in order. */
export async function queueLimited(rpc: Rpc, o: LimitsOptions, offset: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < o.tasks; i += 50) {
    const batch = Array.from({ length: Math.min(50, o.tasks - i) }, (_, n) => ({
      method: 'queue_task',
      params: { jobname: 'limited', key: `k${(i + n) % o.keys}`, i: offset + i + n },
    }));
    ids.push(...(await rpc(batch)).map((t) => t.id));
  }
  return ids;
}

/** The most runs of one key at once: start/end lines, a run without an end ending at the first kill after its start. */
function mostAtOnce(lines: string[], kills: number[]) {
  const runs = new Map<string, { key: string; start: number; end?: number }>();
  for (const line of lines) {
    const [what, id, attempt, key, time] = line.split(' ');
    const run = runs.get(`${id}#${attempt}`) ?? { key, start: Number(time) };
    if (what === 'end') run.end = Number(time);
    else run.start = Number(time);
    runs.set(`${id}#${attempt}`, run);
  }
  const events: { key: string; time: number; step: number }[] = [];
  let cut = 0;
  for (const run of runs.values()) {
    const end = run.end ?? kills.find((k) => k >= run.start) ?? Number.POSITIVE_INFINITY;
    if (run.end === undefined) cut++;
    // An end sorts before a start at the same millisecond: the permit was given back first.
    events.push({ key: run.key, time: run.start, step: 1 }, { key: run.key, time: end, step: -1 });
  }
  events.sort((a, b) => a.time - b.time || a.step - b.step);
  const now = new Map<string, number>();
  let most = 0;
  for (const e of events) {
    now.set(e.key, (now.get(e.key) ?? 0) + e.step);
    most = Math.max(most, now.get(e.key)!);
  }
  return { runs: runs.size, cut, most };
}

/** Check the workload once every task is ready: `tasks` as get_task gave them, in the order queued, the first returning `offset`. */
export async function checkLimited(
  tasks: any[],
  o: LimitsOptions,
  at: {
    file: string;
    kills: number[];
    leaseSeconds: number;
    dynamodbEndpoint: string;
    offset: number;
    parking: { parks: number; releases: number };
  },
): Promise<LimitsReport> {
  const lines = existsSync(at.file) ? readFileSync(at.file, 'utf8').split('\n').filter(Boolean) : [];
  const { runs, cut, most } = mostAtOnce(lines, at.kills);
  // The permits, read from the table: any still held must lapse within a lease of the last kill.
  const clients = createClients({ dynamodbEndpoint: at.dynamodbEndpoint });
  const store = createDynamoStore({ client: clients.dynamodb, table: 'skytask' });
  const job = defineJob({
    name: 'limited',
    concurrency: { key: (k: { key: string }) => k.key, limit: o.limit },
    run: () => 0,
  });
  const held = [];
  for (let k = 0; k < o.keys; k++) {
    const permits = await store.permitsOf(taskLimits(job, { key: `k${k}` }).concurrency!.hash);
    held.push(...permits.filter((p) => p.holder !== undefined && p.leaseUntil * 1000 > Date.now()));
  }
  const lastKill = Math.max(0, ...at.kills);
  clients.dynamodb.destroy();
  return {
    tasks: tasks.length,
    lost: tasks.filter((t, n) => t?.status !== 'SUCCESS' || t.result !== at.offset + n).length,
    runs,
    cutRuns: cut,
    mostAtOnce: most,
    heldAtEnd: held.length,
    leaked: held.filter((p) => p.leaseUntil * 1000 > lastKill + at.leaseSeconds * 1000).length,
    maxAttempts: Math.max(0, ...tasks.map((t) => t?.attempts ?? 0)),
    ...at.parking,
    stranded: tasks.filter((t) => t?.status === 'WAITING').length,
  };
}
