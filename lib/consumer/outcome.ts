import { RetryTaskError, UnrecoverableError } from '../errors.js';
import type { Job } from '../job.js';
import { toJson } from '../json.js';
import { cutBytes } from '../bytes.js';
import { LIMITS, TRUNCATED } from '../limits.js';
import { retryDelay } from '../retry.js';
import { MARKER, refuseMarker } from '../payloads/ref.js';
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
/** How many failed attempts' errors a task keeps, the final attempt's included. */
export const ERRORS_KEPT = 10;

/**
 * The decision at the end of an attempt, pure: SUCCESS with the result's JSON (a result
 * JSON cannot carry as it is — a Set, NaN…, see `toJson` —, or over `maxResultBytes` of it
 * (`LIMITS.resultBytes`; `LIMITS.payloadBytes` with a payload bucket), or an object with the
 * payload marker's key, fails the task instead, naming the path), REVOKED when a
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
  maxResultBytes: number = LIMITS.resultBytes,
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
  const size = toJson(run.value === undefined ? null : run.value, 'result');
  if ('problem' in size) {
    const why = `the job returned a result that is not JSON-serializable: ${size.problem}`;
    return failedOutcome(task, job, new UnrecoverableError(why), time);
  }
  if (size.bytes > maxResultBytes) {
    const why = `the job's result is ${size.bytes} bytes, over the ${maxResultBytes}-byte limit`;
    return failedOutcome(task, job, new UnrecoverableError(why), time);
  }
  try {
    refuseMarker(run.value, 'result');
  } catch (err) {
    return failedOutcome(
      task,
      job,
      new UnrecoverableError(`the job returned a result with the key "${MARKER}": ${(err as Error).message}`),
      time,
    );
  }
  return { status: 'SUCCESS', resultJson: size.json, time, errors: historyOf(task.errors) };
}

/**
 * The error history a finish writes: the last `ERRORS_KEPT` entries, each error cut to
 * `LIMITS.historyEntryBytes` as it is counted in the stored JSON (a control character is 6
 * bytes there). Earlier entries are cut again: a record written before the caps were
 * counted in bytes may hold longer ones. Undefined when there are none.
 */
export function historyOf(errors: readonly AttemptError[] = [], latest?: AttemptError): AttemptError[] | undefined {
  const kept = [...errors, ...(latest ? [latest] : [])].slice(-ERRORS_KEPT);
  const cut = kept.map((e) => ({
    ...e,
    error: cutBytes(String(e.error), LIMITS.historyEntryBytes, { json: true, mark: TRUNCATED }),
  }));
  return cut.length ? cut : undefined;
}

/** What a failed attempt records of what its job threw. */
interface Thrown {
  message: string;
  stack?: string;
  unrecoverable: boolean;
  /** A RetryTaskError's delay, when it is one SQS can carry: a finite number of seconds ≥ 0. */
  delay?: number;
}

/**
 * A thrown value that is no Error, as text: a plain object or an array (its prototype
 * Object's or Array's or none, its `toString` the default one, which says `[object Object]`)
 * as its JSON (`{"code":42,"msg":"x"}`), anything else as `String()` gives it. JSON that
 * cannot be made (a cycle, a BigInt, a getter that throws) or is none (`toJSON` answering
 * undefined) falls back to `String()`, which may throw (a null-prototype object has no
 * `toString`): `readThrown` catches that.
 */
function textOf(thrown: unknown): string {
  if (typeof thrown !== 'object' || thrown === null) return String(thrown);
  const proto = Object.getPrototypeOf(thrown);
  const plain = proto === null || proto === Object.prototype || proto === Array.prototype;
  const defaultText = !('toString' in thrown) || thrown.toString === proto?.toString;
  if (plain && defaultText) {
    try {
      const json = JSON.stringify(thrown);
      if (typeof json === 'string') return json;
    } catch {
      // Not JSON: its String() below.
    }
  }
  return String(thrown);
}

/**
 * What was thrown, read defensively: any value may be thrown (one that is no Error is
 * described by `textOf`: a plain object as its JSON), and reading an Error's
 * `message`, `stack` or prototype may itself throw (a getter, a Proxy). A value that cannot
 * be read is described as such, never rethrown: an outcome is always recorded. A
 * RetryTaskError's `delay` that is not a finite number (NaN from a missing header, a
 * string) is ignored, the job's backoff applies; a negative one is 0.
 */
export function readThrown(thrown: unknown): Thrown {
  try {
    if (!(thrown instanceof Error)) return { message: textOf(thrown), unrecoverable: false };
    const message = String(thrown.message || thrown.name);
    const stack = typeof thrown.stack === 'string' ? thrown.stack : undefined;
    const asked = thrown instanceof RetryTaskError ? thrown.delay : undefined;
    const delay = typeof asked === 'number' && Number.isFinite(asked) ? Math.max(0, asked) : undefined;
    return { message, stack, unrecoverable: thrown instanceof UnrecoverableError, delay };
  } catch {
    return {
      message: 'the job threw a value that cannot be read (its message, stack or type threw)',
      unrecoverable: false,
    };
  }
}

/**
 * A failed attempt: RETRY while the job's `maxRetries` allows and the error is not an
 * UnrecoverableError — due after the RetryTaskError's `delay` if it gave a usable one
 * (`readThrown`), else the job's backoff, at most SQS's 900 s — otherwise FAILURE. Every attempt's error is kept
 * (`historyOf`); the message and the stack are cut to their caps in UTF-8 bytes.
 */
export function failedOutcome(task: Task, job: Job, thrown: unknown, time: number, random = Math.random): Outcome {
  const error = readThrown(thrown);
  const message = cutBytes(error.message, LIMITS.errorBytes, { mark: TRUNCATED });
  const errors = historyOf(task.errors, { attempt: task.attempts, error: message, time });
  const stack = error.stack === undefined ? undefined : cutBytes(error.stack, LIMITS.stackBytes, { mark: TRUNCATED });
  const retriesLeft = task.attempts <= (job.maxRetries ?? 0);
  if (retriesLeft && !error.unrecoverable) {
    const delay = Math.min(LIMITS.maxDelaySeconds, error.delay ?? retryDelay(task.attempts, job.retryBackoff, random));
    return { status: 'RETRY', error: message, stack, errors, eta: time + delay, time };
  }
  return { status: 'FAILURE', error: message, stack, errors, time };
}
