/**
 * The Lambda batch budget. All the messages of an SQS batch share one invocation's time:
 * with a batch larger than the consumer's concurrency, the last messages start late, with
 * little of it left. Such a message does not get a run it cannot finish: it is deferred —
 * sent again with a short delay and deleted — so its attempt is not counted and its
 * receive count (what SQS dead-letters by) does not grow. (A batch item failure would
 * raise `ApproximateReceiveCount` and bring it back only after the visibility timeout.)
 */
import type { Job } from '../job.js';
import { LAMBDA_MARGIN_SECONDS } from './outcome.js';

/** What the consumer needs of the Lambda invocation (its context). */
export interface Invocation {
  getRemainingTimeInMillis(): number;
}

/** An invocation, with the time it had when its batch began. */
export interface BatchInvocation extends Invocation {
  /** Milliseconds the invocation had left when the batch began. */
  readonly startMs: number;
}

/** Seconds a deferred message waits before it is delivered again (SQS DelaySeconds). */
export const DEFER_SECONDS = 2;

/**
 * How late in a batch a job without a `timeLimit` may still start, in seconds: such a job
 * may use the whole invocation, so it gets a fair run only at the batch's start.
 */
export const START_GRACE_SECONDS = 1;

/** The invocation as its batch begins: `startMs` read now. */
export function batchInvocation(invocation: Invocation): BatchInvocation {
  return {
    getRemainingTimeInMillis: () => invocation.getRemainingTimeInMillis(),
    startMs: invocation.getRemainingTimeInMillis(),
  };
}

/**
 * The seconds an attempt may run: the job's `timeLimit`, bounded by the invocation's
 * remaining time less `LAMBDA_MARGIN_SECONDS` for the finish write. `lambda` is true when
 * the invocation is the bound.
 */
export function timeLimitOf(job: Job, invocation?: Invocation): { seconds: number; lambda: boolean } {
  const lambda = invocation ? invocation.getRemainingTimeInMillis() / 1000 - LAMBDA_MARGIN_SECONDS : Infinity;
  const seconds = Math.min(job.timeLimit ?? Infinity, lambda);
  return { seconds, lambda: seconds < (job.timeLimit ?? Infinity) };
}

/**
 * Whether a message of `job` starting now gets a fair run: the invocation has the job's
 * `timeLimit` + `LAMBDA_MARGIN_SECONDS` left — or, for a job without one, about what it had
 * when the batch began (`START_GRACE_SECONDS`). A run no invocation could give (a
 * `timeLimit` longer than the batch's whole budget) is fair as soon as it can get: it
 * starts at once, bounded by the invocation as before, rather than be deferred forever.
 * Without an invocation (a call outside Lambda and the poller) every run is fair.
 */
export function hasFairRun(job: Job, invocation?: BatchInvocation): boolean {
  if (!invocation) return true;
  const left = invocation.getRemainingTimeInMillis() / 1000;
  const start = invocation.startMs / 1000;
  const needed = job.timeLimit !== undefined ? job.timeLimit + LAMBDA_MARGIN_SECONDS : start - START_GRACE_SECONDS;
  return left >= Math.min(needed, start - START_GRACE_SECONDS);
}
