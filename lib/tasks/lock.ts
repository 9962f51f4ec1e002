import type { TaskStore } from '../store.js';
import { isReady } from '../task.js';

/**
 * Take the non-overlap lock `lockId` for the new task `taskId` (Pulsar's
 * `can_overlap = False`). A lock whose task is ready or missing is taken over; one whose
 * task is unfinished means "held". No transactions: the store's conditional writes make
 * a takeover succeed only while the holder is still the one found ready. False when held
 * by another task.
 */
export async function takeLock(store: TaskStore, lockId: string, taskId: string): Promise<boolean> {
  let holder = await store.acquireLock(lockId, taskId);
  for (let i = 0; holder !== undefined && i < 5; i++) {
    if (holder === taskId) return true; // it holds it already (a redrive of an idle task)
    if (holder !== '') {
      const task = await store.getTask(holder);
      if (task && !isReady(task.status)) return false;
    }
    holder = await store.acquireLock(lockId, taskId, holder || undefined);
  }
  return holder === undefined;
}
