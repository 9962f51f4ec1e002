import type { TaskStore } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { patch } from './task-record.js';

/**
 * A purged dead letter (`clearDeadLettered`), as the DynamoDB adapter writes it: only a
 * dead-lettered FAILURE loses its mark; its status, error and retention stay. A file of
 * its own beside memory-store.ts, which holds the other verbs.
 */
export function deadLetterVerbs({ update }: MemoryState): Pick<TaskStore, 'clearDeadLettered'> {
  return {
    clearDeadLettered: async (id) =>
      update(
        id,
        (r) => r.status === 'FAILURE' && r.deadLettered === true,
        (r) => patch(r, { deadLettered: undefined }),
      ),
  };
}
