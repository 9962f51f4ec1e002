import type { PutEventsEntry } from '../aws-rules/eventbridge.js';
import type { EventPublisher } from '../event-publisher.js';

/** An in-memory event bus: what it accepted, in order (`events`); `refuse` makes it fail entries. */
export interface MemoryPublisher extends EventPublisher {
  readonly events: PutEventsEntry[];
  /** Entries for which this returns true are not accepted (a bus outage in a test). */
  refuse?: (entry: PutEventsEntry) => boolean;
}

/** The publisher of the in-memory ports (`skytask/testing`, unit tests). */
export function createMemoryPublisher(): MemoryPublisher {
  const publisher: MemoryPublisher = {
    events: [],
    async publish(entries) {
      return entries.map((entry) => {
        if (publisher.refuse?.(entry)) return false;
        publisher.events.push(entry);
        return true;
      });
    },
  };
  return publisher;
}
