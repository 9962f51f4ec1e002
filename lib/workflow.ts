/**
 * Workflows: tasks queued as one unit (Celery's canvas, BullMQ's flows). Vocabulary:
 *
 * - **signature**: a task to queue as part of a workflow — a job, its kwargs, its options.
 * - **chain**: steps run one after the other; each gets the result of the step before as its
 *   `input` (the third argument of `run`). A step that does not succeed ends the chain: the
 *   later steps end REVOKED, and a FAILURE queues the error path (`linkError`), whose input
 *   is the failed task.
 * - **group**: members queued at once under one id, listed and counted together.
 * - **chord**: a group and a callback that runs once, after every member has ended, with
 *   their results in order (`policy: 'all'`, as `Promise.all`: a member that does not
 *   succeed fails the chord at once) or every member's outcome (`'allSettled'`).
 * - **join**: how a chord learns that its members have ended — a counter in the table that
 *   each member's end counts once (lib/workflow-store.ts). Nothing polls.
 * - **children**: `ctx.awaitChildren` — the parent ends WAITING, its children run as a chord
 *   whose callback (the continuation) gives the parent its outcome.
 *
 * Every task of a workflow has a record of its own (kwargs, result) from the start; one that
 * waits for others is WAITING. See docs/workflows.md.
 */
import type { Job, Kwargs } from './job.js';
import type { Task } from './task.js';

export type WorkflowKind = 'chain' | 'group' | 'chord';
/** A chord's rule for members that do not succeed: fail at once (`all`), or run the callback with every outcome. */
export type ChordPolicy = 'all' | 'allSettled';
/** RUNNING until the workflow's last task ends; then a chain's or group's worst outcome, a chord's callback's. */
export type WorkflowStatus = 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'REVOKED';

/** Timing options of a workflow's task (queue_task's). A task that waits for others takes `expiry` only, counted from its release. */
export interface SignatureOptions {
  /** Seconds from now before the task is due. */
  delay?: number;
  /** When the task is due, epoch seconds (instead of `delay`). */
  eta?: number;
  /** Seconds after the task is due before it expires (overrides the job's `expires`). */
  expiry?: number;
}

/**
 * A task to queue in a workflow: `R` is its job's result, `P` the input its `run` accepts
 * (its third argument). `~types` exists for the type checker only, as Standard Schema's does.
 */
export interface Signature<R = unknown, P = any> {
  readonly job: string;
  readonly kwargs: Kwargs;
  readonly options?: SignatureOptions;
  readonly '~types'?: { readonly result: R; readonly input: (input: P) => void };
}

/** What a job's run returns when it awaits its children (`ctx.awaitChildren`); the task's result will be `R`. */
export interface AwaitingChildren<R = unknown> {
  readonly workflowId: string;
  readonly [AWAITING]: true;
  readonly '~types'?: { readonly result: R };
}
const AWAITING = Symbol.for('skytask.awaitingChildren');

/** The marker a job returns from `ctx.awaitChildren`. */
export const awaitingChildren = <R>(workflowId: string): AwaitingChildren<R> => ({ workflowId, [AWAITING]: true });

export const isAwaitingChildren = (value: unknown): value is AwaitingChildren =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[AWAITING] === true;

/** A job's result as its task records it: what `run` resolves to, or its continuation's result. */
export type JobResult<R> = Awaited<R> extends AwaitingChildren<infer X> ? X : Awaited<R>;

/** One member's outcome, as an `allSettled` chord's callback receives it (in member order). */
export type MemberOutcome<R = unknown> =
  | { id: string; status: 'SUCCESS'; result: R }
  | { id: string; status: 'FAILURE' | 'REVOKED'; error: string };

/** The result type of a signature. */
export type ResultOf<S> = S extends Signature<infer R, any> ? R : never;
/** The members' results, in order: what an `all` chord's callback gets. */
export type ResultsOf<M extends readonly Signature[]> = { -readonly [K in keyof M]: ResultOf<M[K]> };
/** The members' outcomes, in order: what an `allSettled` chord's callback gets. */
export type SettledOf<M extends readonly Signature[]> = { -readonly [K in keyof M]: MemberOutcome<ResultOf<M[K]>> };

/** Options every workflow takes. */
export interface WorkflowOptions {
  /**
   * The workflow's id: 1-100 characters of `A-Z a-z 0-9 _ . -`. Its tasks' ids derive from it
   * (`<id>:0`, `<id>:callback`), so queueing it again is a no-op. @default a random UUID
   */
  id?: string;
}

/** Options of a chain or chord: the error path, queued once if the workflow fails, with the failed task as input. */
export interface FailingWorkflowOptions extends WorkflowOptions {
  linkError?: Signature<unknown, Task>;
}

export interface ChordOptions<P extends ChordPolicy = ChordPolicy> extends FailingWorkflowOptions {
  /** @default 'all' */
  policy?: P;
}

/** A workflow to queue: `R` is its result (a chain's last step's, a chord's callback's; a group's members'). */
export type WorkflowSpec<R = unknown> = (
  | { readonly kind: 'chain'; readonly steps: readonly Signature[]; readonly options: FailingWorkflowOptions }
  | { readonly kind: 'group'; readonly members: readonly Signature[]; readonly options: WorkflowOptions }
  | {
      readonly kind: 'chord';
      readonly members: readonly Signature[];
      readonly callback: Signature;
      readonly options: ChordOptions;
    }
) & { readonly '~types'?: { readonly result: R } };

/** A signature's kwargs (left out when every kwarg is optional), then its options. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends I` is the test for "every key optional".
export type SignatureArgs<I> = {} extends I
  ? [kwargs?: I, options?: SignatureOptions]
  : [kwargs: I, options?: SignatureOptions];

/**
 * A signature (Celery's `.s()`): a job and its kwargs, typed by the job — its kwargs checked,
 * its result and input carried for `chain` and `chord` to check. By name it is untyped.
 * @example signature(fetchPage, { url: 'https://example.com' }, { expiry: 60 })
 */
export function signature<I extends Kwargs, R, P>(
  job: Job<any, R, string, I, P>,
  ...args: SignatureArgs<I>
): Signature<JobResult<R>, P>;
export function signature(job: string, kwargs?: Kwargs, options?: SignatureOptions): Signature;
export function signature(job: Job | string, kwargs: Kwargs = {}, options?: SignatureOptions): Signature {
  return { job: typeof job === 'string' ? job : job.name, kwargs, ...(options ? { options } : {}) };
}

/**
 * A chain: each step runs when the one before succeeded, with its result as `input`; the
 * type checker refuses a step whose input does not accept the result before it.
 * @example chain(signature(fetchPage, { url }), signature(countWords), { linkError: signature(alert) })
 */
export function chain<A>(a: Signature<A>, options?: FailingWorkflowOptions): WorkflowSpec<A>;
export function chain<A, B>(a: Signature<A>, b: Signature<B, A>, options?: FailingWorkflowOptions): WorkflowSpec<B>;
export function chain<A, B, C>(
  a: Signature<A>,
  b: Signature<B, A>,
  c: Signature<C, B>,
  options?: FailingWorkflowOptions,
): WorkflowSpec<C>;
export function chain<A, B, C, D>(
  a: Signature<A>,
  b: Signature<B, A>,
  c: Signature<C, B>,
  d: Signature<D, C>,
  options?: FailingWorkflowOptions,
): WorkflowSpec<D>;
export function chain<A, B, C, D, E>(
  a: Signature<A>,
  b: Signature<B, A>,
  c: Signature<C, B>,
  d: Signature<D, C>,
  e: Signature<E, D>,
  options?: FailingWorkflowOptions,
): WorkflowSpec<E>;
/** Any number of steps (a list built at run time): checked when queued, not by the type checker. */
export function chain(steps: readonly Signature[], options?: FailingWorkflowOptions): WorkflowSpec;
export function chain(
  ...args: (Signature | readonly Signature[] | FailingWorkflowOptions | undefined)[]
): WorkflowSpec {
  const isSignature = (v: unknown): v is Signature => typeof (v as Signature)?.job === 'string';
  const steps = Array.isArray(args[0]) ? (args[0] as Signature[]) : args.filter(isSignature);
  const last = args[args.length - 1];
  const options = last && !Array.isArray(last) && !isSignature(last) ? (last as FailingWorkflowOptions) : {};
  return { kind: 'chain', steps, options };
}

/** A group: members queued at once under one id. @example group(urls.map((url) => signature(fetchPage, { url }))) */
export function group<const M extends readonly Signature[]>(
  members: M,
  options: WorkflowOptions = {},
): WorkflowSpec<ResultsOf<M>> {
  return { kind: 'group', members, options };
}

/**
 * A chord: the members, then the callback once all have ended. With `policy: 'all'` (the
 * default) its input is the members' results in order, and a member that does not succeed
 * fails the chord; with `'allSettled'` it is every member's outcome (`MemberOutcome`).
 * @example chord(urls.map((url) => signature(fetchPage, { url })), signature(totalBytes))
 */
export function chord<const M extends readonly Signature[], C>(
  members: M,
  callback: Signature<C, ResultsOf<M>>,
  options?: ChordOptions<'all'>,
): WorkflowSpec<C>;
export function chord<const M extends readonly Signature[], C>(
  members: M,
  callback: Signature<C, SettledOf<M>>,
  options: ChordOptions<'allSettled'>,
): WorkflowSpec<C>;
export function chord(members: readonly Signature[], callback: Signature, options: ChordOptions = {}): WorkflowSpec {
  return { kind: 'chord', members, callback, options };
}
