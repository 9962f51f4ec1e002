import type { PutEventsEntry } from './aws-rules/eventbridge.js';

/**
 * The event publisher port: sends task events to an event bus (on AWS: EventBridge,
 * lib/aws/eventbridge-publisher.ts; in tests: lib/memory/memory-publisher.ts).
 */
export interface EventPublisher {
  /**
   * Send `entries` (each within EventBridge's rules: lib/aws-rules/eventbridge.ts) and say,
   * per entry in order, whether the bus accepted it. Never throws: an entry not accepted
   * after the publisher's retries is `false`, and its event stays pending in the task's
   * outbox for a later pass (docs/events.md).
   */
  publish(entries: PutEventsEntry[]): Promise<boolean[]>;
}
