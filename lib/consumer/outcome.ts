import { RetryTaskError, UnrecoverableError } from '../errors.js';
import type { Job } from '../job.js';
import { jsonSize, LIMITS, truncate } from '../limits.js';
import { retryDelay } from '../retry.js';
import type { Outcome } from '../store.js';
import type { AttemptError, Task } from '../task.js';

/** Why an attempt was stopped before its job returned. */
export type StopReason =
  | { kind: 'time-limit'; seconds: number; lambda: boolean }
  | { kind: 'revoked' }
  | { kind: 'lost-claim' };

/** How the job body of an attempt ended: a value, a thrown error, or stopped from outside. */
export type RunResult = { value: unknown } | { error: unknown } | { stopped: StopReason };

/** Seconds kept back from the Lambda's remaining time for the finish write. */
export const LAMBDA_MARGIN_SECONDS = 3;
/** How many earlier attempts' errors a task keeps. */
export const ERRORS_KEPT = 10;

/**
 * The decision at the end of an attempt, pure: SUCCESS with the result's JSON (a result
 * that is not JSON, or over `LIMITS.resultBytes`, fails the task instead), REVOKED when a
 * revoke stopped it, RETRY or FAILURE for an error (see `failedOutcome`). Undefined when
 * the attempt lost its claim: a newer attempt owns the task and nothing may be recorded.
 * `time` is when the attempt ended (epoch seconds); `random` feeds the retry jitter.
 */
export function outcomeOf(
  task: Task,
  job: Job,
  run: RunResult,
  time: number,
  random = Math.random,
): Outcome | undefined {
  if ('stopped' in run) {
    const stop = run.stopped;
    if (stop.kind === 'lost-claim') return undefined;
    if (stop.kind === 'revoked') return { status: 'REVOKED', error: 'revoked while it ran', time };
    const why = stop.lambda
      ? `stopped ${LAMBDA_MARGIN_SECONDS} s before the Lambda invocation's timeout`
      : `time limit of ${stop.seconds} s exceeded`;
    return failedOutcome(task, job, new Error(why), time, random);
  }
  if ('error' in run) return failedOutcome(task, job, run.error, time, random);
  const size = jsonSize(run.value === undefined ? null : run.value);
  if (!size) {
    return failedOutcome(
      task,
      job,
      new UnrecoverableError('the job returned a result that is not JSON-serializable'),
      time,
    );
  }
  if (size.bytes > LIMITS.resultBytes) {
    const why = `the job's result is ${size.bytes} bytes, over the ${LIMITS.resultBytes}-byte limit`;
    return failedOutcome(task, job, new UnrecoverableError(why), time);
  }
  return { status: 'SUCCESS', resultJson: size.json, time, errors: task.errors };
}

/**
 * A failed attempt: RETRY while the job's `maxRetries` allows and the error is not an
 * UnrecoverableError — due after the RetryTaskError's `delay` if it gave one, else the
 * job's backoff, at most SQS's 900 s — otherwise FAILURE. Every attempt's error is kept
 * (the last `ERRORS_KEPT`, each cut to 1 KB); the message and stack are cut to their caps.
 */
export function failedOutcome(task: Task, job: Job, thrown: unknown, time: number, random = Math.random): Outcome {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const message = truncate(error.message || error.name, LIMITS.errorChars);
  const entry: AttemptError = { attempt: task.attempts, error: truncate(message, 1024), time };
  const errors = [...(task.errors ?? []), entry].slice(-ERRORS_KEPT);
  const stack = error.stack ? truncate(error.stack, LIMITS.stackChars) : undefined;
  const retriesLeft = task.attempts <= (job.maxRetries ?? 0);
  if (retriesLeft && !(error instanceof UnrecoverableError)) {
    const asked = error instanceof RetryTaskError ? error.delay : undefined;
    const delay = Math.min(LIMITS.maxDelaySeconds, asked ?? retryDelay(task.attempts, job.retryBackoff, random));
    return { status: 'RETRY', error: message, stack, errors, eta: time + delay, time };
  }
  return { status: 'FAILURE', error: message, stack, errors, time };
}
