import type { StandardSchemaV1 } from '@standard-schema/spec';
import { readThrown } from './consumer/outcome.js';
import { cutBytes } from './bytes.js';
import { ValidationError } from './errors.js';
import type { JobQueue } from './job-queue.js';
import type { KwargsSchema } from './kwargs-schema.js';
import type { Logger } from './log.js';
import type { Priority } from './priority.js';
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
   * when the job cannot overlap and an equal task is not finished. Throws ValidationError
   * (unknown job, kwargs its schema refuses) before anything is written.
   *
   * Give the job itself rather than its name to have its kwargs type-checked (the input
   * type of its schema): `ctx.queueTask(sendMail, { to: 'a@b.c' })`.
   */
  queueTask(jobName: string, kwargs?: Kwargs): Promise<Task | null>;
  queueTask<I extends Kwargs>(job: Job<any, any, string, I>, ...kwargs: KwargsArg<I>): Promise<Task | null>;
}

/** Kwargs may be left out when every kwarg is optional. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends I` is the test for "every key optional".
export type KwargsArg<I> = {} extends I ? [kwargs?: I] : [kwargs: I];

/**
 * A job's definition. `K` is what `run` receives; `I` what callers give (and what is
 * stored): the two differ only with a `schema`, whose input is `I` and output `K`.
 */
export interface JobOptions<K extends Kwargs, R, I extends Kwargs = K> {
  /** Unique and stable: it is stored on every task and carried in every message. */
  name: string;
  /** Shown by `job_list`. Markdown. */
  doc?: string;
  /** The job body. May be async. Its result must be JSON-serializable. */
  run: (ctx: JobContext, kwargs: K) => R | Promise<R>;
  /**
   * The kwargs' schema: any Standard Schema (Zod, Valibot, ArkType…; see docs/schemas.md).
   * Every way in (queue_task, the clients, `ctx.queueTask`, producer messages, periodic
   * fires) validates the kwargs with it before anything is written, and refuses a key it
   * drops; the JSON input is stored, and the consumer validates it again and gives `run`
   * the schema's output (transforms work: a date string stored, a Date received). Kwargs
   * it refuses are a ValidationError naming the field (JSON-RPC -32602); stored kwargs it
   * refuses at run (the schema changed since) fail the task without retries. A periodic
   * job's schema must accept `{}`: the registry refuses it at load otherwise.
   * Without a schema, kwargs are any JSON object and the job trusts its callers.
   */
  schema?: KwargsSchema<I, K>;
  /**
   * Seconds: a task of this job not started within this long after it became due is
   * REVOKED, never run (Pulsar's job `timeout`). A `queue_task` `expiry` overrides it.
   */
  expires?: number;
  /**
   * When false, a task cannot be queued while an earlier task of this job with the same
   * kwargs is not finished (`queue_task` returns null). A function decides per call (it
   * gets the kwargs as `run` does: the schema's output).
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
  /**
   * The routed queue its tasks run on (docs/routing.md): a `defineQueue` declaration, or the
   * name of one the jobs module declares. @default the `default` queue
   */
  queue?: JobQueue | string;
  /**
   * Its tasks' priority, unless `queue_task` gives one (docs/routing.md: what it means on AWS
   * and locally). @default 'default'
   */
  priority?: Priority;
}

/**
 * A job: `K` the kwargs `run` receives, `R` its result, `N` its name (a literal type when
 * defined with one: clients check names), `I` the kwargs callers give (its schema's input;
 * `K` without a schema).
 */
export interface Job<K extends Kwargs = Kwargs, R = unknown, N extends string = string, I extends Kwargs = K>
  extends Readonly<JobOptions<K, R, I>> {
  readonly name: N;
  readonly type: 'regular' | 'periodic';
  readonly [JOB]: true;
}

const JOB = Symbol.for('skytask.job');

/** The kwargs `run` receives from a schema: its output type. */
export type SchemaOutput<S extends KwargsSchema<any, any>> = StandardSchemaV1.InferOutput<S>;
/** The kwargs callers give a job with a schema: its input type. */
export type SchemaInput<S extends KwargsSchema<any, any>> = StandardSchemaV1.InferInput<S>;

/**
 * Define a job. Export it from your jobs module; the registry collects every export
 * that is a job. With a `schema`, the kwargs' types come from it: `run` gets its output
 * type, callers are checked against its input type.
 *
 * @example
 * export const addition = defineJob({
 *   name: 'addition',
 *   doc: 'Add two numbers',
 *   expires: 60,
 *   run: (_ctx, { a = 0, b = 0 }: { a?: number; b?: number }) => a + b,
 * });
 *
 * // With a schema (Zod here; any Standard Schema):
 * export const remind = defineJob({
 *   name: 'remind',
 *   schema: z.object({ to: z.email(), at: z.coerce.date<string>() }),
 *   run: (_ctx, { to, at }) => send(to, at.toISOString()), // at: Date
 * });
 */
export function defineJob<S extends KwargsSchema, R = unknown, N extends string = string>(
  options: Omit<JobOptions<SchemaOutput<S>, R, SchemaInput<S>>, 'schema'> & { name: N; schema: S },
): Job<SchemaOutput<S>, R, N, SchemaInput<S>>;
export function defineJob<K extends Kwargs = Kwargs, R = unknown, N extends string = string>(
  options: JobOptions<K, R> & { name: N },
): Job<K, R, N>;
export function defineJob(options: JobOptions<Kwargs, unknown>): Job {
  const periodic = options.runEvery !== undefined || options.cron !== undefined;
  return Object.freeze({ ...options, type: periodic ? 'periodic' : 'regular', [JOB]: true as const }) as Job;
}

export function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB] === true;
}

/**
 * Whether a task of this job with these kwargs may overlap an unfinished equal one. A
 * `canOverlap` function that throws refuses the request: ValidationError (→ JSON-RPC -32602;
 * a producer message is dead-lettered with it at once) naming the job and the error,
 * `canOverlap of job "x" threw: …` — the kwargs it was given are the request's.
 */
export function canOverlap(job: Job, kwargs: Kwargs): boolean {
  const rule = job.canOverlap ?? true;
  if (typeof rule !== 'function') return rule;
  try {
    return rule(kwargs);
  } catch (err) {
    const why = cutBytes(readThrown(err).message, 500);
    throw new ValidationError(`canOverlap of job "${job.name}" threw: ${why}`);
  }
}

/** The wire form of `canOverlap` for `job_list`: Pulsar's `maybe` for a function. */
export function canOverlapLabel(job: Job): boolean | 'maybe' {
  const rule = job.canOverlap ?? true;
  return typeof rule === 'function' ? 'maybe' : rule;
}
