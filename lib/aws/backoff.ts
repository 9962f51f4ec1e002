/**
 * Backing off from AWS when it pushes back: a batch it answered only in part
 * (DynamoDB's `UnprocessedKeys` / `UnprocessedItems`) or a request it throttled after the
 * SDK's own retries (EventBridge Scheduler's CreateSchedule rate quota). Trying again at
 * once adds load where there is too much already; waiting a random time up to a cap that
 * doubles each round ("full jitter", the AWS Architecture Blog's "Exponential Backoff And
 * Jitter", and what the SDK itself does) spreads the callers out. A task's own retry
 * delay is another thing (lib/retry.ts).
 */
import { SkytaskError } from '../errors.js';

/** How long and how often to wait. Times in milliseconds. */
export interface Backoff {
  /** The cap of the first wait; it doubles each round. */
  baseMs: number;
  /** The largest cap. */
  capMs: number;
  /** Rounds after the first call before giving up. */
  retries: number;
  /** Waits `ms` (tests inject one that records instead). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * DynamoDB batch reads and writes: the SDK retries a request DynamoDB throttles entirely
 * (ProvisionedThroughputExceededException), not the part of an answer it left undone. 10
 * rounds wait at most 50 + 100 + … + 1,600 + 4 × 2,000 ms ≈ 11 s, about 5.6 s on average.
 */
export const DYNAMO_BATCH_BACKOFF: Backoff = { baseMs: 50, capMs: 2_000, retries: 10 };

/**
 * EventBridge Scheduler's CreateSchedule past its rate quota (250 to 5,000 a second by
 * Region): ThrottlingException. The SDK's standard retry mode already makes 3 attempts
 * (full jitter from a 1 s base for throttling in @smithy/core 3.41; 500 ms in older
 * releases) while its retry quota lasts; these 3 more rounds, each a call with the SDK's
 * attempts inside, wait at most 0.5 + 1 + 2 = 3.5 s more. A task whose arm still fails
 * is recorded with its send error, and the reconciler sends it once it is past due.
 */
export const SCHEDULER_THROTTLE_BACKOFF: Backoff = { baseMs: 500, capMs: 4_000, retries: 3 };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds to wait before round `round` (1 = the first retry): random in [0, min(cap, base × 2^(round − 1))). */
export function backoffDelay(round: number, backoff: Backoff): number {
  const cap = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, round - 1));
  return (backoff.random ?? Math.random)() * cap;
}

/**
 * Send `items`, then what each answer left undone, until nothing is left. An answer that
 * did part of the work (DynamoDB stops a BatchGetItem answer at 16 MB — dynalite at 1 MB —
 * and returns the rest as unprocessed: size, not throttling) is followed at once; an answer
 * that did none is throttling, and the next round waits `backoffDelay`. `send` returns the
 * items not processed (undefined or empty: all done). Throws a SkytaskError naming `what`
 * and how many items were left after `retries` rounds in a row without progress.
 */
export async function sendUntilDone<T>(
  items: T[],
  send: (items: T[]) => Promise<T[] | undefined>,
  backoff: Backoff,
  what: string,
): Promise<void> {
  let left: T[] | undefined = items;
  let stalled = 0;
  while (left?.length) {
    if (stalled > backoff.retries) {
      throw new SkytaskError(
        `${what}: ${left.length} left unprocessed after ${backoff.retries + 1} tries in a row without progress (throttled)`,
      );
    }
    if (stalled > 0) await (backoff.sleep ?? defaultSleep)(backoffDelay(stalled, backoff));
    const sent: number = left.length;
    left = await send(left);
    stalled = left?.length === sent ? stalled + 1 : 0;
  }
}

/** Whether AWS refused a request for its rate: the SDK's throttling error names, or HTTP 429. */
export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return (
    e?.name === 'ThrottlingException' ||
    e?.name === 'TooManyRequestsException' ||
    e?.name === 'ProvisionedThroughputExceededException' ||
    e?.$metadata?.httpStatusCode === 429
  );
}

/**
 * Call `fn`, and again after `backoffDelay` while it throws a throttling error
 * (`isThrottling`), at most `retries` more times. Any other error, or the last throttling
 * error, is thrown as it is.
 */
export async function retryThrottled<T>(fn: () => Promise<T>, backoff: Backoff): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottling(err) || round >= backoff.retries) throw err;
      await (backoff.sleep ?? defaultSleep)(backoffDelay(round + 1, backoff));
    }
  }
}
