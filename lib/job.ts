import type { StandardSchemaV1 } from '@standard-schema/spec';
import { readThrown } from './consumer/outcome.js';
import { cutBytes } from './bytes.js';
import { ValidationError } from './errors.js';
import type { KeyConcurrency, KeyRateLimit } from './key-limits.js';
import type { JobQueue } from './job-queue.js';
import type { KwargsSchema } from './kwargs-schema.js';
import type { Logger } from './log.js';
import type { Priority } from './priority.js';
import type { Task } from './task.js';
import type { QueueTaskOptions } from './tasks/options.js';
import type { AwaitingChildren, ChordOptions, ResultsOf, SettledOf, Signature, WorkflowSpec } from './workflow.js';
import type { WorkflowState } from './workflow-state.js';

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
  /**
   * The run's W3C trace context (`00-<trace id>-<span id>-<flags>`) when the task was queued in
   * a trace: pass it on (an outgoing `traceparent` header) to continue the trace. Sub-tasks
   * queued with `ctx.queueTask` continue it already.
   */
  readonly traceparent?: string;
  /** A logger whose every line carries the task id and job name (and `trace_id`, `span_id` in a trace). */
  readonly logger: Logger;
  /** The worker running this task: its id and the tasks it runs right now. */
  readonly worker: { readonly id: string; runningTasks(): string[] };
  /**
   * Report how far the task got: `value` a number from 0 to 100 (percent) or a small JSON
   * object, `message` a line for a person; together at most 512 bytes as stored
   * (`LIMITS.progressBytes`). Shown by `get_task` (`progress`), `skytask wait` and the
   * dashboard. Call it as often as you like: only the latest report is kept, and it is written
   * with the next heartbeat, at most one write every 5 seconds, or with the outcome — never a
   * write of its own. Throws ValidationError for a value out of range or too large.
   * @example await ctx.progress(40, 'step 2 of 5');
   */
  progress(value: number | Record<string, unknown>, message?: string): Promise<void>;
  /**
   * Queue a sub-task; its `from_task` is this task. Returns the new task, or null
   * when the job cannot overlap and an equal task is not finished. Throws ValidationError
   * (unknown job, kwargs its schema refuses) before anything is written.
   *
   * Give the job itself rather than its name to have its kwargs type-checked (the input
   * type of its schema): `ctx.queueTask(sendMail, { to: 'a@b.c' })`. `options` are
   * queue_task's: `id`, `delay`, `eta`, `expiry`.
   */
  queueTask(jobName: string, kwargs?: Kwargs, options?: SubTaskOptions): Promise<Task | null>;
  queueTask<I extends Kwargs>(job: Job<any, any, string, I>, ...args: SubTaskArgs<I>): Promise<Task | null>;
  /**
   * Queue a workflow (`chain`, `group`, `chord` of lib/workflow.ts); its tasks' `from_task`
   * is this task. Returns its state (docs/workflows.md).
   */
  queueWorkflow<R>(workflow: WorkflowSpec<R>): Promise<WorkflowState<R>>;
  /**
   * Await children without holding a run: queue them, and a continuation that runs once they
   * have all ended with their results in order as its input (a chord's callback: `policy`
   * and `linkError` as `chord`'s). Return what it gives from `run`: the task then ends
   * WAITING, and takes the continuation's outcome (its result, or its error) when it ends.
   * Queued again by a re-run of this task, the children are not queued twice.
   * @example return ctx.awaitChildren(urls.map((url) => signature(fetchPage, { url })), signature(totalBytes));
   */
  awaitChildren<const M extends readonly Signature[], C>(
    children: M,
    continuation: Signature<C, ResultsOf<M>>,
    options?: Omit<ChordOptions<'all'>, 'id'>,
  ): Promise<AwaitingChildren<C>>;
  awaitChildren<const M extends readonly Signature[], C>(
    children: M,
    continuation: Signature<C, SettledOf<M>>,
    options: Omit<ChordOptions<'allSettled'>, 'id'>,
  ): Promise<AwaitingChildren<C>>;
}

/** A sub-task's options: queue_task's, less what the context sets (`fromTask`, `caller`). */
export type SubTaskOptions = Omit<QueueTaskOptions, 'fromTask' | 'caller'>;

/** Kwargs may be left out when every kwarg is optional. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends I` is the test for "every key optional".
export type KwargsArg<I> = {} extends I ? [kwargs?: I] : [kwargs: I];

/** A sub-task's kwargs (left out when every kwarg is optional), then its options. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends I` is the test for "every key optional".
export type SubTaskArgs<I> = {} extends I
  ? [kwargs?: I, options?: SubTaskOptions]
  : [kwargs: I, options?: SubTaskOptions];

/**
 * A job's definition. `K` is what `run` receives; `I` what callers give (and what is
 * stored): the two differ only with a `schema`, whose input is `I` and output `K`.
 */
export interface JobOptions<K extends Kwargs, R, I extends Kwargs = K, P = unknown> {
  /** Unique and stable: it is stored on every task and carried in every message. */
  name: string;
  /** Shown by `job_list`. Markdown. */
  doc?: string;
  /**
   * The job body. May be async. Its result must be JSON-serializable. `input` is what a
   * workflow gives the task (docs/workflows.md): a chain's step gets the result of the step
   * before, a chord's callback its members' results, an error path the failed task; other
   * tasks get undefined. Annotate it to have `chain` and `chord` check what flows in.
   */
  run: (ctx: JobContext, kwargs: K, input: P) => R | Promise<R>;
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
   * At most `limit` runs at once per key, across every consumer: `{ key: (kwargs) =>
   * kwargs.tenant, limit: 5 }`. A task over it waits (delayed, no attempt counted). The key
   * gets the kwargs as `run` does; a key function that throws or gives no key refuses the
   * task at queue time (ValidationError). docs/limits.md
   */
  concurrency?: KeyConcurrency<K>;
  /** At most `max` runs start per key in each window of `per` seconds: `{ key, max: 100, per: 60 }`. docs/limits.md */
  rateLimit?: KeyRateLimit<K>;
  /**
   * Send this job's task events (queued, started, retrying, succeeded, failed, revoked,
   * dead-lettered) to the stack's EventBridge bus, when it has one (docs/events.md). Each
   * state change then also costs a write to leave the task's outbox. @default false
   */
  events?: boolean;
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
 * `K` without a schema), `P` the workflow input `run` accepts (its third argument).
 */
export interface Job<K extends Kwargs = Kwargs, R = unknown, N extends string = string, I extends Kwargs = K, P = any>
  extends Readonly<JobOptions<K, R, I, P>> {
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
export function defineJob<S extends KwargsSchema, R = unknown, N extends string = string, P = unknown>(
  options: Omit<JobOptions<SchemaOutput<S>, R, SchemaInput<S>, P>, 'schema'> & { name: N; schema: S },
): Job<SchemaOutput<S>, R, N, SchemaInput<S>, P>;
export function defineJob<K extends Kwargs = Kwargs, R = unknown, N extends string = string, P = unknown>(
  options: JobOptions<K, R, K, P> & { name: N },
): Job<K, R, N, K, P>;
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
