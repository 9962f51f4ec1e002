import { sleep } from '../concurrency.js';
import type { TaskStore } from '../store.js';
import { isReady, type Task } from '../task.js';

/**
 * How long a lock whose task has no record yet is taken for one whose task is being written
 * (the lock is taken first, then the record): the holder's record is looked for again after
 * each of these pauses (ms) before the lock counts as abandoned and is taken over.
 */
const WRITING_PAUSES_MS = [50, 100, 200, 400];

/** The holder's task, looked for again while its record may still be on its way. */
async function holderTask(store: TaskStore, holder: string): Promise<Task | undefined> {
  let task = await store.getTask(holder);
  for (const ms of WRITING_PAUSES_MS) {
    if (task) break;
    await sleep(ms);
    task = await store.getTask(holder);
  }
  return task;
}

/**
 * Take the non-overlap lock `lockId` for the new task `taskId` (Pulsar's
 * `can_overlap = False`). A lock whose task is ready or missing is taken over; one whose
 * task is unfinished means "held". No transactions: the store's conditional writes make
 * a takeover succeed only while the holder is still the one found ready. A holder with no
 * record yet may be one being written (a concurrent equal request, which took the lock a
 * moment ago): it is looked for again for up to 750 ms before it counts as missing. False
 * when held by another task.
 */
export async function takeLock(store: TaskStore, lockId: string, taskId: string): Promise<boolean> {
  let holder = await store.acquireLock(lockId, taskId);
  for (let i = 0; holder !== undefined && i < 5; i++) {
    if (holder === taskId) return true; // it holds it already (a redrive of an idle task)
    if (holder !== '') {
      const task = await holderTask(store, holder);
      if (task && !isReady(task.status)) return false;
    }
    holder = await store.acquireLock(lockId, taskId, holder || undefined);
  }
  return holder === undefined;
}
