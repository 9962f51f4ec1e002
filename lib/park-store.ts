/**
 * The store verbs of parking (docs/limits.md#parking), part of the task store port
 * (lib/store.ts): a task over its key's concurrency limit waits WAITING, with no message,
 * in its key's queue, until a run of the key gives its permit back and releases it (the
 * workflows' release: lib/workflow-store.ts `releaseTask`).
 *
 * A parked task is two items: its head, WAITING with `parked` (the key's hash), and a
 * **park item** `park#<key>` / `<order>` (lib/keys.ts), `order` being its time queued and
 * id, so the key's parked tasks read oldest first with one Query. Both are small (1 write
 * unit each) and neither changes an index key (WAITING and QUEUED share the `PENDING` group).
 */
import type { Task } from './task.js';

/** A park item as read: which task, where in its key's queue, and the write that put it. */
export interface ParkEntry {
  key: string;
  /** `timeSortKey(timeQueued, id)`: the key's queue order. */
  order: string;
  taskId: string;
  /** Random per park: a drop removes the entry only if no later park of the task rewrote it. */
  token: string;
}

export interface ParkStore {
  /**
   * Park task `task.id` for a permit of `key` at `now`: the park item is put first, then one
   * conditional write moves the head from idle (QUEUED, RETRY, or STARTED with a lapsed lease:
   * the claim's "no live run" condition) to WAITING with `parked: key` and no lease. The task
   * as parked; undefined when it was not idle (another delivery has it, or parked it, or it
   * ended): its park item stays — it may be the other delivery's park — and a hand-on drops
   * it if its task is not parked.
   */
  parkTask(task: Pick<Task, 'id' | 'timeQueued'>, park: { key: string; now: number }): Promise<Task | undefined>;
  /** The first `limit` park entries of `key`, oldest first (one strongly consistent Query). */
  parkedOf(key: string, limit: number): Promise<ParkEntry[]>;
  /** Delete a park entry, if its token is still the one read (a later park of its task keeps its entry). */
  dropParked(entry: ParkEntry): Promise<void>;
}
