import type { Consumer } from '../consumer/consumer.js';
import type { MemoryQueue } from '../memory/memory-queue.js';
import type { FakeClock } from './fake-clock.js';
import type { MemoryTimer } from '../memory/memory-timer.js';

/** How far `run` goes. */
export interface RunOptions {
  /** Do not move the clock past this time (epoch seconds); what is due later stays queued. @default no bound */
  until?: number;
  /** Stop as soon as this says so (checked after each batch). */
  stopWhen?: () => Promise<boolean> | boolean;
  /** Deliveries at most, against jobs that queue each other forever. @default 10000 */
  maxDeliveries?: number;
}

/** What a `run` did. */
export interface RunReport {
  /** Messages delivered to the consumer. */
  deliveries: number;
  /** Deliveries the consumer failed (the message comes back after its visibility timeout). */
  failedDeliveries: number;
  /** The clock when the run stopped (epoch seconds). */
  stoppedAt: number;
}

interface DrainDeps {
  queue: MemoryQueue;
  timer: MemoryTimer;
  clock: FakeClock;
  consumer: Consumer;
}

/** The next time something becomes due: a delayed or invisible message, or an armed timer. */
function nextDue({ queue, timer }: DrainDeps): number | undefined {
  const times = [queue.nextVisibleAt(), timer.nextDueAt()].filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : undefined;
}

/**
 * What the local poller does, on a fake clock: receive visible messages, hand them to the
 * consumer in batches of 10, delete the ones it handled; when none is visible, move the
 * clock to the next due time instead of waiting. Throws when `maxDeliveries` is exceeded.
 */
export async function drainQueue(deps: DrainDeps, options: RunOptions = {}): Promise<RunReport> {
  const { queue, timer, clock, consumer } = deps;
  const report: RunReport = { deliveries: 0, failedDeliveries: 0, stoppedAt: clock.now() };
  const max = options.maxDeliveries ?? 10_000;
  for (;;) {
    await timer.fireDue();
    if (options.stopWhen && (await options.stopWhen())) break;
    const messages = await queue.receive(10, 0);
    if (!messages.length) {
      const next = nextDue(deps);
      if (next === undefined || (options.until !== undefined && next > options.until)) break;
      clock.set(next);
      continue;
    }
    report.deliveries += messages.length;
    if (report.deliveries > max)
      throw new Error(`run: more than ${max} deliveries (do jobs queue each other forever?)`);
    const results = await consumer.handleBatch(messages);
    report.failedDeliveries += results.filter((r) => r.status === 'rejected').length;
    await queue.deleteMessages(
      messages.filter((_, n) => results[n].status === 'fulfilled').map((m) => m.receiptHandle),
    );
  }
  if (options.until !== undefined) clock.set(options.until);
  report.stoppedAt = clock.now();
  return report;
}
