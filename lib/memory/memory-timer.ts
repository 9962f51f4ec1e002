import type { Envelope } from '../envelope.js';
import type { TaskQueue } from '../queue.js';
import type { Clock } from '../tasks/deps.js';
import type { TaskTimer } from '../timer.js';

/** The timer port in memory, on a fake clock: what EventBridge Scheduler's `at()` schedules do on AWS. */
export interface MemoryTimer extends TaskTimer {
  /** The earliest due time armed (epoch seconds), if any. */
  nextDueAt(): number | undefined;
  /** Send the message of every armed task that is due by the clock; how many were sent. */
  fireDue(): Promise<number>;
}

/** A timer that holds armed tasks until `fireDue` finds them due; idempotent per task id, as the AWS timer is. */
export function createMemoryTimer({ queue, clock }: { queue: TaskQueue; clock: Clock }): MemoryTimer {
  const armed = new Map<string, { envelope: Omit<Envelope, 'v'>; dueAt: number }>();
  return {
    async arm(envelope, dueAt) {
      if (!armed.has(envelope.id)) armed.set(envelope.id, { envelope, dueAt });
    },
    nextDueAt: () => (armed.size ? Math.min(...[...armed.values()].map((a) => a.dueAt)) : undefined),
    async fireDue() {
      const due = [...armed.values()].filter((a) => a.dueAt <= clock());
      for (const { envelope } of due) {
        await queue.send(envelope, 0);
        armed.delete(envelope.id);
      }
      return due.length;
    },
  };
}
