/**
 * The client's types: one interface for both clients (direct and HTTP), typed by a jobs
 * module. `JobsOf<typeof import('./jobs.js')>` maps each job's name to its kwargs and
 * result, so that job names autocomplete and kwargs are checked at compile time; without
 * it any name and any kwargs object are accepted.
 */
import type { CostReport, CostReportOptions } from '../tasks/cost-report.js';
import type { QueueStats } from '../tasks/inspect.js';
import type { DeadLetterPage, DeadLetterQuery, PurgeResult } from '../tasks/dead-letters.js';
import type { RedriveResult } from '../tasks/redrive.js';
import type { Job } from '../job.js';
import type { Priority } from '../priority.js';
import type { Task, TaskStatus } from '../task.js';
import type { RevokeWorkflowResult } from '../tasks/revoke.js';
import type { WorkflowPage } from '../tasks/workflow-inspect.js';
import type { JobResult, Signature, SignatureArgs, WorkflowSpec } from '../workflow.js';
import type { WorkflowState } from '../workflow-state.js';

/** What a client knows of one job: its kwargs, its result, the workflow input its `run` accepts. */
export interface JobTypes {
  kwargs: Record<string, unknown>;
  result: unknown;
  input?: unknown;
}

/** Job name → its types. */
export type JobMap = Record<string, JobTypes>;

/** No jobs module given: any name, any kwargs object, results unknown. */
export type AnyJobs = Record<string, { kwargs: Record<string, unknown>; result: unknown; input: any }>;

/**
 * The job map of a jobs module's type (its named exports that are jobs, keyed by job name).
 * A job's kwargs are what callers give: its schema's input type when it has a schema.
 * @example
 * type Jobs = JobsOf<typeof import('./jobs.js')>;
 * // { addition: { kwargs: { a?: number; b?: number }; result: number }; … }
 */
export type JobsOf<M> = [M] extends [never]
  ? AnyJobs
  : { [E in keyof M as M[E] extends Job<any, any, infer N, any> ? N : never]: JobTypesOf<M[E]> };

/** One job's types for a client: the kwargs callers give (`I`), the result once awaited, its workflow input. */
type JobTypesOf<T> =
  T extends Job<any, infer R, any, infer I, infer P> ? { kwargs: I; result: JobResult<R>; input: P } : never;

/** A task of job `N`: its name, kwargs (as stored: the schema's input) and result typed. */
export type TaskOf<J extends JobMap, N extends keyof J> = Omit<Task, 'name' | 'kwargs' | 'result'> & {
  name: N;
  kwargs: J[N]['kwargs'];
  result?: J[N]['result'];
};

/** Options of one queued task (the JSON-RPC `queue_task` options). */
export interface QueueOptions {
  /**
   * Caller-given id, 1-128 characters of `A-Z a-z 0-9 _ . -`, not dots alone (no colon: it marks the ids
   * skytask derives). Queueing an id that exists returns that task and sends nothing for
   * the same job and kwargs, and throws ConflictError (its `task`) for another.
   */
  id?: string;
  /** Seconds after the task is due before it expires (overrides the job's `expires`); 0: REVOKED at its delivery, never run. */
  expiry?: number;
  /** Seconds from now before the task is due. */
  delay?: number;
  /** When the task is due, epoch seconds (instead of `delay`). */
  eta?: number;
  /** The W3C trace context to queue the task in (`00-<trace id>-<parent id>-<flags>`): its run continues that trace. */
  traceparent?: string;
  /** `high`, `default` or `low` (docs/routing.md). @default the job's `priority` */
  priority?: Priority;
}

/** Kwargs may be left out when every kwarg of the job is optional. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends K` is the test for "every key optional".
export type QueueArgs<K> = {} extends K ? [kwargs?: K, options?: QueueOptions] : [kwargs: K, options?: QueueOptions];

/** One item of `queueTasks`: a job of the map and its kwargs. */
export type QueueItem<J extends JobMap> = {
  [N in keyof J & string]: { job: N; kwargs: J[N]['kwargs']; options?: QueueOptions };
}[keyof J & string];

/** One item's outcome: the task (null when non-overlap held it back), or that item's error. */
export type QueueResult<T = Task> = { ok: true; task: T | null } | { ok: false; error: Error };

export interface TaskFilter<J extends JobMap = AnyJobs> {
  ids?: string[];
  name?: keyof J & string;
  status?: TaskStatus;
  fromTask?: string;
  /** 1–1000. @default 100 */
  limit?: number;
  /** The cursor of the page before. */
  cursor?: string;
}

export interface TaskList {
  tasks: Task[];
  /** Pass back for the next page; null at the end. */
  cursor: string | null;
}

export interface WaitOptions {
  /** Seconds to wait in all; past it a WaitTimeoutError with the task as it is. @default no limit */
  timeout?: number;
  /** Stops the wait; it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A job as `job_list` describes it (camelCase; periodic fields only on periodic jobs). */
export interface JobInfo {
  name: string;
  doc: string;
  docSyntax: string;
  type: 'regular' | 'periodic';
  canOverlap: boolean | 'maybe';
  expires?: number;
  /** The routed queue its tasks run on (docs/routing.md). */
  queue: string;
  /** Its tasks' priority unless a call gives one. */
  priority: 'high' | 'default' | 'low';
  /** Its per-key concurrency limit, if any (docs/limits.md). */
  concurrency?: { limit: number };
  /** Its per-key rate limit, if any: `max` starts per `per` seconds. */
  rateLimit?: { max: number; per: number };
  /** Whether its tasks send task events (docs/events.md). */
  events: boolean;
  runEvery?: number;
  anchor?: number;
  cron?: string;
  timezone?: string;
  /** Seconds from now until the next run (periodic jobs). */
  nextRun?: number;
  runsCount?: number;
  lastRunAt?: number;
}

export type { QueueStats, RevokeWorkflowResult, WorkflowPage, WorkflowState };

export type { RedriveResult };

export type { DeadLetterPage, DeadLetterQuery, PurgeResult };

/** What to purge: every dead letter, or these tasks' (at most 100 ids); `limit` letters looked at, at most (default 1000). */
export interface PurgeFilter {
  ids?: string[];
  limit?: number;
}

/**
 * The skytask client: the same methods and results over SQS + DynamoDB (direct) or the
 * JSON-RPC endpoint (HTTP). Errors are the classes of `skytask/client`: UnknownJobError,
 * ValidationError, TaskNotFoundError, ConflictError, WaitTimeoutError (+ EndpointError,
 * RemoteError over HTTP).
 */
export interface SkytaskClient<J extends JobMap = AnyJobs> {
  /** Queue a task; null when the job cannot overlap and an equal task is not finished. */
  queueTask<N extends keyof J & string>(job: N, ...args: QueueArgs<J[N]['kwargs']>): Promise<TaskOf<J, N> | null>;
  /** Queue many tasks at once; one result or error per item, in order. */
  queueTasks(items: readonly QueueItem<J>[]): Promise<QueueResult[]>;
  /** The task, or null. */
  getTask(id: string): Promise<Task | null>;
  getTasks(filter?: TaskFilter<J>): Promise<TaskList>;
  /** Wait until the task is ready (SUCCESS, FAILURE, REVOKED), however long the endpoint's own cap. */
  waitForTask<T extends Task | TaskOf<J, any>>(task: T, options?: WaitOptions): Promise<T>;
  waitForTask(id: string, options?: WaitOptions): Promise<Task>;
  /** Revoke a task that is not ready; ConflictError if it is; TaskNotFoundError if there is none. */
  revokeTask(id: string): Promise<Task>;
  /** The jobs (all, or these names). */
  jobList(names?: (keyof J & string)[]): Promise<JobInfo[]>;
  /** Queue depth, in flight, dead letters (approximate). */
  queueStats(): Promise<QueueStats>;
  /**
   * What the tasks of each job queued in a period cost, summed by job and priced (the last
   * day at AWS list prices by default; docs/cost.md).
   */
  costReport(options?: CostReportOptions): Promise<CostReport>;
  /**
   * Move dead-lettered task messages back to the queue: up to `limit` (default 1000), within
   * a 20 s budget. `more: true` says to call again.
   */
  redriveDeadLetters(limit?: number): Promise<RedriveResult>;
  /**
   * The tasks marked dead-lettered (what, why, when), newest first, a page at a time, with
   * SQS's approximate count of letters and of those without such a task.
   */
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetterPage>;
  /**
   * Delete dead letters: all, or these tasks'. Their tasks stay FAILURE, no longer
   * dead-lettered. Within a 20 s budget: `more: true` says to call again.
   */
  purgeDeadLetters(filter?: PurgeFilter): Promise<PurgeResult>;
  /**
   * A signature by job name, typed by the jobs module (its kwargs checked, its result and
   * input carried), for `chain`, `group` and `chord` of `skytask/client`.
   */
  signature<N extends keyof J & string>(
    job: N,
    ...args: SignatureArgs<J[N]['kwargs']>
  ): Signature<J[N]['result'], J[N] extends { input: infer P } ? P : any>;
  /** Queue a workflow; its state as queued, with the first page of its tasks (docs/workflows.md). */
  queueWorkflow<R>(workflow: WorkflowSpec<R>): Promise<WorkflowState<R>>;
  /** A workflow's state, its counts, and a page of its tasks; WorkflowNotFoundError if there is none. */
  getWorkflow(id: string, page?: WorkflowPage): Promise<WorkflowState>;
  /**
   * Wait until the workflow's status is not RUNNING; its state then, with no tasks. A chord
   * with policy `all` is FAILURE at its first failed member, while others may still run
   * (`counts.pending` says how many): this does not wait for them (docs/workflows.md).
   */
  waitForWorkflow<R>(workflow: WorkflowState<R> | string, options?: WaitOptions): Promise<WorkflowState<R>>;
  /**
   * Revoke every task of the workflow that is not ready: its callback and error path first,
   * then its members. The endpoint works within a 20 s budget a call and answers `more` with a
   * cursor; this calls again until it got through them all (from `cursor`, a call's, if
   * given), and answers what the calls did, summed. WorkflowNotFoundError if there is none.
   */
  revokeWorkflow(id: string, options?: { cursor?: string }): Promise<RevokeWorkflowResult>;
}
