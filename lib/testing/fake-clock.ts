import type { Clock } from '../tasks/deps.js';

/** A clock that moves only when told to: what `skytask/testing` runs tasks on. Epoch seconds. */
export interface FakeClock {
  /** Now, in epoch seconds: pass this where a `Clock` is wanted. */
  readonly now: Clock;
  /** Move time forward by `seconds` (≥ 0). */
  advance(seconds: number): void;
  /** Move time to `epochSeconds` (never backwards: earlier times are ignored). */
  set(epochSeconds: number): void;
}

/** 2026-01-01T00:00:00Z: where a test queue's clock starts unless told otherwise. */
export const DEFAULT_START = 1_767_225_600;

/** A fake clock starting at `start` (epoch seconds). Throws RangeError on a negative step. */
export function createFakeClock(start = DEFAULT_START): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance(seconds) {
      if (!(seconds >= 0)) throw new RangeError(`advance needs seconds ≥ 0, not ${seconds}`);
      now += seconds;
    },
    set(epochSeconds) {
      now = Math.max(now, epochSeconds);
    },
  };
}
