import type { Envelope } from './envelope.js';

/**
 * The timer port: sends a task's message at a due time beyond what the queue can delay
 * (SQS: 15 minutes). On AWS an EventBridge Scheduler one-time `at()` schedule sends the
 * envelope to the queue (lib/aws/eventbridge-timer.ts); locally the local stack's timer does
 * (local/local-timer.ts).
 */
export interface TaskTimer {
  /**
   * Have the task's message sent at `dueAt` (epoch seconds), or a little later. Idempotent
   * per task id: arming a task that is armed already changes nothing. The task record
   * keeps `eta`, so the consumer still refuses to claim before it.
   */
  arm(envelope: Omit<Envelope, 'v'>, dueAt: number): Promise<void>;
}
