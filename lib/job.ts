import type { Logger } from './log.js';
import type { Task } from './task.js';

/** Kwargs are key-valued only, as in Pulsar, and travel as JSON. */
export type Kwargs = Record<string, unknown>;

/** What a running job body is given besides its kwargs. */
export interface JobContext {
  /** The task's id: a stable idempotency key for the job's side effects. */
  readonly taskId: string;
  readonly job: Job<any, any>;
  readonly task: Task;
  /**
   * Aborts when the attempt must stop: its time limit passed, the task was revoked, or
   * the run lost its lease. Long jobs should pass it on (fetch, SDK calls) or check it.
   */
  readonly signal: AbortSignal;
  /** A logger whose every line carries the task id and job name. */
  readonly logger: Logger;
  /** The worker running this task: its id and the tasks it runs right now. */
  readonly worker: { readonly id: string; runningTasks(): string[] };
  /**
   * Queue a sub-task; its `from_task` is this task. Returns the new task, or null
   * when the job cannot overlap and an equal task is not finished.
   */
  queueTask(jobName: string, kwargs?: Kwargs): Promise<Task | null>;
}

export interface JobOptions<K extends Kwargs, R> {
  /** Unique and stable: it is stored on every task and carried in every message. */
  name: string;
  /** Shown by `job_list`. Markdown. */
  doc?: string;
  /** The job body. May be async. Its result must be JSON-serializable. */
  run: (ctx: JobContext, kwargs: K) => R | Promise<R>;
  /**
   * Seconds: a task of this job not started within this long after it became due is
   * REVOKED, never run (Pulsar's job `timeout`). A `queue_task` `expiry` overrides it.
   */
  expires?: number;
  /**
   * When false, a task cannot be queued while an earlier task of this job with the same
   * kwargs is not finished (`queue_task` returns null). A function decides per call.
   * @default true
   */
  canOverlap?: boolean | ((kwargs: K) => boolean);
  /**
   * How many times a failed attempt is run again (a crashed run counts as an attempt).
   * Each retry waits the backoff: exponential from `retryBackoff.base`, capped at
   * `retryBackoff.cap`, with jitter. @default 0
   */
  maxRetries?: number;
  /** Seconds. @default { base: 1, cap: 300 } */
  retryBackoff?: { base?: number; cap?: number };
  /**
   * Seconds an attempt may run. Past it the job's `ctx.signal` aborts and the attempt is
   * recorded as failed (retried if retries are left). On Lambda it is also bounded by the
   * invocation's remaining time, less a margin for the final write.
   */
  timeLimit?: number;
  /**
   * Periodic jobs: run every so many seconds (> 0). On AWS, whole minutes only (the
   * registry accepts any period; the deploy refuses what EventBridge cannot express).
   */
  runEvery?: number;
  /**
   * With `runEvery`: a time (epoch seconds) the runs are aligned to. Any point of the
   * grid will do: `25 * 60` (1970-01-01T00:25Z) with `runEvery: 3600` runs every hour at
   * minute 25 UTC. @default 0 (the epoch: whole minutes, hours, days UTC)
   */
  anchor?: number;
  /** Periodic jobs: a 5-field Unix cron expression (minute hour day-of-month month day-of-week). */
  cron?: string;
  /** With `cron`: the IANA time zone it is read in. DST as EventBridge Scheduler does it. @default 'UTC' */
  timezone?: string;
}

/** A job: `K` its kwargs, `R` its result, `N` its name (a literal type when defined with one: clients check names). */
export interface Job<K extends Kwargs = Kwargs, R = unknown, N extends string = string>
  extends Readonly<JobOptions<K, R>> {
  readonly name: N;
  readonly type: 'regular' | 'periodic';
  readonly [JOB]: true;
}

const JOB = Symbol.for('skytask.job');

/**
 * Define a job. Export it from your jobs module; the registry collects every export
 * that is a job.
 *
 * @example
 * export const addition = defineJob({
 *   name: 'addition',
 *   doc: 'Add two numbers',
 *   expires: 60,
 *   run: (_ctx, { a = 0, b = 0 }: { a?: number; b?: number }) => a + b,
 * });
 */
export function defineJob<K extends Kwargs = Kwargs, R = unknown, N extends string = string>(
  options: JobOptions<K, R> & { name: N },
): Job<K, R, N> {
  const periodic = options.runEvery !== undefined || options.cron !== undefined;
  return Object.freeze({ ...options, type: periodic ? 'periodic' : 'regular', [JOB]: true as const }) as Job<K, R, N>;
}

export function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB] === true;
}

/** Whether a task of this job with these kwargs may overlap an unfinished equal one. */
export function canOverlap(job: Job, kwargs: Kwargs): boolean {
  const rule = job.canOverlap ?? true;
  return typeof rule === 'function' ? rule(kwargs) : rule;
}

/** The wire form of `canOverlap` for `job_list`: Pulsar's `maybe` for a function. */
export function canOverlapLabel(job: Job): boolean | 'maybe' {
  const rule = job.canOverlap ?? true;
  return typeof rule === 'function' ? 'maybe' : rule;
}
