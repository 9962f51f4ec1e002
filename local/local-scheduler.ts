import {
  nextSlot,
  previousSlot,
  scheduleOf,
  type Clock,
  type JobRegistry,
  type Logger,
  type Schedule,
  type Scheduler,
  type TaskStore,
} from '../lib/index.js';

export interface LocalSchedulerOptions {
  /** Fires the slots (the runtime's scheduler, as the Lambda function uses it). */
  scheduler: Scheduler;
  /** The periodic jobs come from here. */
  registry: JobRegistry;
  /** Where each job's schedule entry says where it stopped. */
  store: TaskStore;
  clock: Clock;
  logger: Logger;
  /** Longest sleep between checks, so that a clock jump (a laptop waking) is noticed. @default 60 */
  maxSleepSeconds?: number;
}

const iso = (t: number) => new Date(t * 1000).toISOString();

/**
 * What EventBridge Scheduler does on AWS, for the local stack: fires every periodic job on
 * its schedule through the same `scheduler.fire` as functions/scheduler.ts. After downtime
 * (the stack stopped, the laptop asleep) a job whose slots passed runs once, for the
 * latest of them, not once per missed slot, and the log says so. The schedule entries in
 * the table say where each job stopped, so this holds across restarts; two local
 * schedulers on one table never queue a slot twice (the fire is idempotent per slot).
 */
export function startLocalScheduler({
  scheduler,
  registry,
  store,
  clock,
  logger,
  maxSleepSeconds = 60,
}: LocalSchedulerOptions) {
  const jobs = registry.periodic().map((job) => ({ name: job.name, schedule: scheduleOf(job)! }));
  const abort = new AbortController();
  /** Each job's next slot to fire; undefined: no more runs. */
  const next = new Map<string, number | undefined>();

  const sleep = (seconds: number) =>
    new Promise<void>((resolve) => {
      // A stop that came while the loop was busy (its first read of the entries) must not wait a sleep out.
      if (abort.signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, seconds) * 1000);
      function done() {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
      abort.signal.addEventListener('abort', done, { once: true });
    });

  async function fireDue(name: string, schedule: Schedule, due: number, now: number): Promise<void> {
    const slot = previousSlot(schedule, now) ?? due;
    // More than one slot passed, or the one due passed a while ago: the scheduler was down.
    if (slot > due || now - due > 5) {
      logger.info(
        { job: name, missed_from: iso(due), running_slot: iso(slot) },
        'periodic job missed its runs while the scheduler was down: running it once',
      );
    }
    try {
      await scheduler.fire(name, slot);
    } catch (err) {
      logger.error({ err, job: name, slot: iso(slot) }, 'periodic fire failed; the next slot will run');
    }
    next.set(name, nextSlot(schedule, Math.max(now, slot)));
  }

  const loop = (async () => {
    if (!jobs.length) return;
    while (!abort.signal.aborted) {
      try {
        if (next.size === 0) {
          // Resume each job after its last recorded run; a job that never ran waits for its first slot.
          const entries = await store.getScheduleEntries(jobs.map((j) => j.name));
          const now = clock();
          for (const { name, schedule } of jobs) next.set(name, nextSlot(schedule, entries.get(name)?.lastSlot ?? now));
          logger.info(
            { jobs: Object.fromEntries([...next].map(([n, t]) => [n, t === undefined ? null : iso(t)])) },
            'local scheduler started',
          );
        }
        const now = clock();
        await Promise.all(
          jobs.flatMap(({ name, schedule }) => {
            const due = next.get(name);
            return due !== undefined && due <= now ? [fireDue(name, schedule, due, now)] : [];
          }),
        );
        const soonest = Math.min(...[...next.values()].map((t) => t ?? Infinity));
        await sleep(Math.min(maxSleepSeconds, soonest - clock()));
      } catch (err) {
        logger.error({ err }, 'local scheduler: checking again in 5 s');
        await sleep(5);
      }
    }
  })();

  return {
    /** Stop firing; resolves when a fire in progress has ended. */
    async stop(): Promise<void> {
      abort.abort();
      await loop;
    },
  };
}

export type LocalScheduler = ReturnType<typeof startLocalScheduler>;
