/**
 * The time a contract suite runs on. `now()` is what the implementation under test takes
 * for now (epoch seconds); `advance` lets that time pass: a fake clock jumps, the real
 * clock sleeps (keep those waits short).
 */
export interface TestClock {
  now(): number;
  advance(seconds: number): Promise<void>;
}

/** A clock that moves only when told to. Starts at 2027-01-15T08:00:00Z by default. */
export function fakeClock(start = 1_800_000_000): TestClock {
  let now = start;
  return {
    now: () => now,
    async advance(seconds) {
      now += seconds;
      // Let timers and pending callbacks see the new time.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** The system clock; `advance` really waits. */
export const realClock: TestClock = {
  now: () => Date.now() / 1000,
  advance: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
};
