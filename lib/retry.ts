import { RegistryError } from './errors.js';
import type { Job } from './job.js';
import { LIMITS } from './limits.js';

export const DEFAULT_BACKOFF = { base: 1, cap: 300 } as const;

/**
 * Seconds before retry number `attempt` (1 = the first retry): exponential from `base`,
 * capped at `cap`, with "equal jitter" — a random point in the upper half — so that
 * tasks failing together do not come back together, and none comes back too soon.
 */
export function retryDelay(attempt: number, backoff: Job['retryBackoff'] = {}, random = Math.random): number {
  const base = backoff?.base ?? DEFAULT_BACKOFF.base;
  const cap = backoff?.cap ?? DEFAULT_BACKOFF.cap;
  const full = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return full / 2 + (random() * full) / 2;
}

/**
 * Throws unless the job's retry, time-limit and `expires` settings make sense; the registry
 * calls it at load. `expires` becomes each task's stored `expiry`: at most a year, as a
 * `queue_task` `expiry` (a larger one would be a time DynamoDB or the SDK refuses).
 */
export function checkRetrySettings(job: Job): void {
  const bad = (why: string) => new RegistryError(`job "${job.name}": ${why}`);
  const { maxRetries, retryBackoff, timeLimit, expires } = job;
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0 && maxRetries <= 100)) {
    throw bad('maxRetries must be a whole number from 0 to 100');
  }
  const base = retryBackoff?.base ?? DEFAULT_BACKOFF.base;
  const cap = retryBackoff?.cap ?? DEFAULT_BACKOFF.cap;
  if (!(base > 0 && cap >= base && cap <= LIMITS.maxDelaySeconds)) {
    throw bad(`retryBackoff needs 0 < base ≤ cap ≤ ${LIMITS.maxDelaySeconds} seconds`);
  }
  if (timeLimit !== undefined && !(timeLimit > 0)) throw bad('timeLimit must be a positive number of seconds');
  if (expires !== undefined && !(expires >= 0 && expires <= LIMITS.maxExpirySeconds)) {
    throw bad(`expires must be a number of seconds from 0 to ${LIMITS.maxExpirySeconds} (a year)`);
  }
}
