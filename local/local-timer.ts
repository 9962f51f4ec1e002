import type { Envelope, Logger, TaskQueue, TaskTimer } from '../lib/index.js';

/**
 * The local stack's timer for one-off tasks due beyond the queue's 15-minute delay: what an
 * EventBridge Scheduler `at()` schedule does on AWS, in memory. It sends the task's
 * message at the due time. Memory is lost on a restart; the restart recovery
 * (`backend.reconcile()` at start) arms every such task again from its record.
 */
export function createLocalTimer({
  queue,
  logger,
  clock = () => Date.now() / 1000,
}: {
  queue: TaskQueue;
  logger: Logger;
  clock?: () => number;
}) {
  const armed = new Map<string, NodeJS.Timeout>();
  // setTimeout holds at most ~24.8 days: a longer wait is taken in steps.
  const maxWaitSeconds = 6 * 3600;

  function wake(envelope: Omit<Envelope, 'v'>, dueAt: number, wait: number): void {
    const timer = setTimeout(async () => {
      if (!armed.has(envelope.id)) return;
      if (clock() < dueAt) return wake(envelope, dueAt, Math.min(maxWaitSeconds, dueAt - clock()));
      try {
        await queue.send(envelope);
        armed.delete(envelope.id);
        logger.info({ task_id: envelope.id, job: envelope.job }, 'timer: task due, message sent');
      } catch (err) {
        logger.warn({ err, task_id: envelope.id, job: envelope.job }, 'timer: send failed; trying again in 5 s');
        if (armed.has(envelope.id)) wake(envelope, dueAt, 5);
      }
    }, wait * 1000);
    // The timer alone does not keep the process up: the stack's server does.
    timer.unref();
    armed.set(envelope.id, timer);
  }

  const timer: TaskTimer & { armed(): string[]; stop(): void } = {
    async arm(envelope, dueAt) {
      if (armed.has(envelope.id)) return;
      wake(envelope, dueAt, Math.max(0, Math.min(maxWaitSeconds, dueAt - clock())));
      logger.info(
        { task_id: envelope.id, job: envelope.job, eta: new Date(dueAt * 1000).toISOString() },
        'task armed on the local timer',
      );
    },
    /** Ids of the tasks waiting on the timer. */
    armed: () => [...armed.keys()],
    /** Forget every armed task (the next start arms them again from their records). */
    stop() {
      for (const t of armed.values()) clearTimeout(t);
      armed.clear();
    },
  };
  return timer;
}

export type LocalTimer = ReturnType<typeof createLocalTimer>;
