/**
 * The store verbs of per-key limits (docs/limits.md), part of the task store port
 * (lib/store.ts). Keys are hashed already (lib/key-limits.ts `taskLimits`).
 *
 * - A **permit** is one of a key's `limit` places to run: an item per place, `permit#<key>` /
 *   `<index>`, held by one run as a lease (`leaseUntil`, pushed on by the run's heartbeats). A
 *   permit whose lease has passed is free: a run that died gives its permit back by lapsing.
 * - A **window** is a rate limit's count of starts for one key in one window of `per` seconds:
 *   an item per key per window, with a TTL.
 */

/** A permit as stored: free (no `holder`), or held until `leaseUntil`. */
export interface PermitState {
  index: number;
  /** The taker's random token; undefined when free. */
  holder?: string;
  taskId?: string;
  /** When the holder took it (epoch seconds). */
  since?: number;
  /** Epoch seconds; a lease in the past frees the permit. 0 when released. */
  leaseUntil: number;
  /** Seconds the last run that released this permit held it. */
  lastSeconds?: number;
}

/** A permit a run holds: what extends, releases and passes it. */
export interface HeldPermit {
  key: string;
  index: number;
  holder: string;
  since: number;
  /** Its lease's length when taken (seconds): how long a permit passed on is reserved for its next task. */
  leaseSeconds?: number;
}

export type PermitTake =
  | { taken: true; permit: HeldPermit }
  /** Every permit held: their states, for the wait's hint. */
  | { taken: false; permits: PermitState[] };

export type WindowTake = { taken: true } | { taken: false; retryAt: number };

export interface PermitStore {
  /**
   * Take one of `key`'s `limit` permits for `taskId` until `leaseUntil`: a conditional write on
   * a permit that is free or whose lease is before `now` (at most one holder each, so never more
   * than `limit` live holders). Reads the key's permits first (one query) to pick a free one.
   * A permit passed to `taskId` (`passPermit`: its `taskId`, its lease live) is taken first, by a
   * write conditional on the holder it was passed with.
   */
  takePermit(take: {
    key: string;
    limit: number;
    taskId: string;
    now: number;
    leaseUntil: number;
  }): Promise<PermitTake>;
  /** Push a held permit's lease to `leaseUntil`. False when it is no longer held by `permit.holder` (taken over). */
  extendPermit(permit: HeldPermit, leaseUntil: number): Promise<boolean>;
  /** Free a permit if `permit.holder` still holds it, noting how long it was held (`now - since`). */
  releasePermit(permit: HeldPermit, now: number): Promise<void>;
  /**
   * Pass a held permit to task `to.taskId` (a parked task its holder releases): one write,
   * conditional on `permit.holder` still holding it, that reserves it for that task until
   * `to.leaseUntil` — the task's `takePermit` takes it, no other taker can. The reservation
   * (a new holder), or undefined when the permit was no longer held by `permit.holder`.
   */
  passPermit(
    permit: HeldPermit,
    to: { taskId: string; now: number; leaseUntil: number },
  ): Promise<HeldPermit | undefined>;
  /** The permits of `key` that exist (tests, the chaos workload). */
  permitsOf(key: string): Promise<PermitState[]>;
  /**
   * Count a start in `key`'s window of `per` seconds holding `now` (windows start at multiples
   * of `per`), if fewer than `max` are counted; else `retryAt`, the next window's start.
   */
  takeWindow(take: { key: string; max: number; per: number; now: number }): Promise<WindowTake>;
}

/** The window of `per` seconds holding `now`: its start (epoch seconds, a multiple of `per`). */
export const windowStart = (now: number, per: number) => Math.floor(now / per) * per;
