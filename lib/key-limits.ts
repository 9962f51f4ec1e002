/**
 * Per-key concurrency and rate limits (docs/limits.md): the job options, their checks, the
 * keys they give (hashed into key-safe form), and how long a task over its rate limit waits
 * (over its concurrency limit it is parked: lib/tasks/parking.ts). Pure:
 * the store verbs are lib/permit-store.ts, the consumer's use of them lib/consumer/key-limits.ts.
 */
import { createHash } from 'node:crypto';
import { readThrown } from './consumer/outcome.js';
import { cutBytes, utf8Bytes } from './bytes.js';
import { echo } from './echo.js';
import { RegistryError, ValidationError } from './errors.js';
import type { Job, Kwargs } from './job.js';

/** What a limit's `key` function may return: the key's text (a number is its decimal text). */
export type LimitKey = string | number;

/**
 * `concurrency` of `defineJob`: at most `limit` runs of this job at once per key, across every
 * consumer (each Lambda, each local worker). A run holds a permit, a lease in the task table.
 */
export interface KeyConcurrency<K extends Kwargs = Kwargs> {
  /** The key of a task, from its kwargs (what `run` receives), e.g. `(kwargs) => kwargs.tenant`. */
  key: (kwargs: K) => LimitKey;
  /** Runs at once per key: an integer, 1 to `KEY_LIMITS.maxLimit`. */
  limit: number;
}

/**
 * `rateLimit` of `defineJob`: at most `max` runs of this job start per key in each window of
 * `per` seconds (fixed windows aligned on the epoch: up to 2 × `max` can start within `per`
 * seconds across a window's edge).
 */
export interface KeyRateLimit<K extends Kwargs = Kwargs> {
  key: (kwargs: K) => LimitKey;
  /** Starts per window: an integer, 1 to `KEY_LIMITS.maxRate`. */
  max: number;
  /** The window, in whole seconds: 1 to `KEY_LIMITS.maxPerSeconds`. */
  per: number;
}

/** The bounds of the limit options and of keys. */
export const KEY_LIMITS = {
  /** A concurrency limit's largest value: a permit take reads every permit of its key (docs/limits.md#cost). */
  maxLimit: 1000,
  maxRate: 1_000_000,
  /** A day: a longer window is better served by a schedule. */
  maxPerSeconds: 86_400,
  /** A key's text, in UTF-8 bytes; it is hashed before it is stored, so this bounds only the work. */
  keyBytes: 1024,
  /** The hex characters of a hashed key (160 bits). */
  hashChars: 40,
} as const;

/** The job's limit options, checked at load: RegistryError naming the job and the option. */
export function checkKeyLimitOptions(job: Pick<Job, 'name' | 'concurrency' | 'rateLimit'>): void {
  const bad = (what: string) => new RegistryError(`job "${job.name}": ${what}`);
  const int = (n: unknown, max: number) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= max;
  const { concurrency: c, rateLimit: r } = job;
  if (c !== undefined) {
    if (typeof c?.key !== 'function') throw bad('concurrency.key must be a function of the kwargs');
    if (!int(c.limit, KEY_LIMITS.maxLimit))
      throw bad(`concurrency.limit must be an integer, 1 to ${KEY_LIMITS.maxLimit}`);
  }
  if (r !== undefined) {
    if (typeof r?.key !== 'function') throw bad('rateLimit.key must be a function of the kwargs');
    if (!int(r.max, KEY_LIMITS.maxRate)) throw bad(`rateLimit.max must be an integer, 1 to ${KEY_LIMITS.maxRate}`);
    if (!int(r.per, KEY_LIMITS.maxPerSeconds))
      throw bad(`rateLimit.per must be whole seconds, 1 to ${KEY_LIMITS.maxPerSeconds}`);
  }
}

/** Whether the job has a per-key limit. */
export const hasKeyLimits = (job: Pick<Job, 'concurrency' | 'rateLimit'>) =>
  job.concurrency !== undefined || job.rateLimit !== undefined;

/** A limit's key for one task: `hash` is what the store keys by, `label` the key's text cut for logs. */
export interface TaskKey {
  hash: string;
  label: string;
}

/** A task's limits: its keys with each limit's figures. */
export interface TaskLimits {
  concurrency?: TaskKey & { limit: number };
  rate?: TaskKey & { max: number; per: number };
}

/**
 * A refused key in an error, readable and bounded: a string's size (it may be a megabyte),
 * a list's or object's JSON cut to 200 bytes, else a short echo (`undefined`, `NaN`, a cyclic
 * object's kind: lib/echo.ts).
 */
function shownKey(value: unknown): string {
  if (typeof value === 'string') return `${utf8Bytes(value)} bytes`;
  if (value && typeof value === 'object') {
    try {
      return cutBytes(JSON.stringify(value), 200);
    } catch {
      // a cycle, a BigInt inside, nesting deep enough to overflow the stack: its kind only
    }
  }
  return echo(value);
}

/**
 * The key a limit gives for `kwargs`: its text is the caller's data, so it is checked (a
 * non-empty string of at most `KEY_LIMITS.keyBytes` UTF-8 bytes, or a finite number) and
 * hashed with the job name (SHA-256, 40 hex characters): any key fits a DynamoDB key and an
 * SQS MessageGroupId. Throws ValidationError (-32602) naming the job and the option.
 */
function taskKey(job: string, option: string, key: (kwargs: Kwargs) => LimitKey, kwargs: Kwargs): TaskKey {
  let value: unknown;
  try {
    value = key(kwargs);
  } catch (err) {
    throw new ValidationError(`${option}.key of job "${job}" threw: ${cutBytes(readThrown(err).message, 500)}`);
  }
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !text || utf8Bytes(text) > KEY_LIMITS.keyBytes) {
    throw new ValidationError(
      `${option}.key of job "${job}" must give a non-empty string of at most ${KEY_LIMITS.keyBytes} bytes or a finite number; it gave ${shownKey(value)}`,
    );
  }
  const hash = createHash('sha256').update(job).update('\0').update(text).digest('hex');
  return { hash: hash.slice(0, KEY_LIMITS.hashChars), label: cutBytes(text, 200) };
}

/** The limits of a task of `job` with `kwargs` (the schema's output, as `run` receives them). Throws as `taskKey`. */
export function taskLimits(job: Job<any, any>, kwargs: Kwargs): TaskLimits {
  const limits: TaskLimits = {};
  const { concurrency: c, rateLimit: r } = job;
  if (c) limits.concurrency = { ...taskKey(job.name, 'concurrency', c.key, kwargs), limit: c.limit };
  if (r) limits.rate = { ...taskKey(job.name, 'rateLimit', r.key, kwargs), max: r.max, per: r.per };
  return limits;
}

/** The most a wait's jitter spreads, in seconds. */
export const MAX_WAIT_SPREAD = 30;
/** The longest wait: SQS's DelaySeconds cap. A longer wait is taken in steps. */
export const MAX_WAIT = 900;

/**
 * Seconds a task over its rate limit waits before it is delivered again: `hint` (when the
 * next window opens) plus a jitter over a spread that grows with how long the task has
 * waited already (half of it, 1 to `MAX_WAIT_SPREAD` s), so that the waiters of one key do
 * not all come back at once and a long backlog is looked at less often. Whole seconds, 1 to
 * `MAX_WAIT` (SQS delays are whole seconds).
 */
export function waitSeconds(hint: number, waited: number, random: () => number = Math.random): number {
  const spread = Math.min(MAX_WAIT_SPREAD, Math.max(1, waited / 2));
  return Math.min(MAX_WAIT, Math.max(1, Math.ceil(Math.max(0, hint) + random() * spread)));
}
