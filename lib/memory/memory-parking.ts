import { randomUUID } from 'node:crypto';
import { timeSortKey } from '../keys.js';
import type { ParkEntry, ParkStore } from '../park-store.js';
import { isIdle } from '../task.js';
import type { MemoryState } from './memory-state.js';
import { patch } from './task-record.js';

/**
 * The memory store's parking: the DynamoDB adapter's verbs (lib/aws/dynamo/parking.ts) with
 * the same conditions and order, each atomic. `clear` empties the park items (the store's flush).
 */
export function memoryParking({ update }: MemoryState): ParkStore & { clear(): void } {
  /** Park entries by key, then order. */
  const parked = new Map<string, Map<string, ParkEntry>>();
  const drop = (entry: ParkEntry) => {
    const ofKey = parked.get(entry.key);
    if (ofKey?.get(entry.order)?.token === entry.token) ofKey.delete(entry.order);
  };
  return {
    async parkTask(task, { key, now }) {
      const order = timeSortKey(task.timeQueued, task.id);
      const entry: ParkEntry = { key, order, taskId: task.id, token: randomUUID() };
      const ofKey = parked.get(key) ?? new Map<string, ParkEntry>();
      parked.set(key, ofKey.set(order, entry));
      return update(
        task.id,
        (r) => isIdle(r, now),
        (r) => patch(r, { status: 'WAITING', parked: key, leaseUntil: undefined }),
      );
    },
    async parkedOf(key, limit) {
      const ofKey = parked.get(key);
      if (!ofKey) return [];
      return [...ofKey.keys()]
        .sort()
        .slice(0, limit)
        .map((order) => ({ ...ofKey.get(order)! }));
    },
    dropParked: async (entry) => drop(entry),
    clear: () => parked.clear(),
  };
}
