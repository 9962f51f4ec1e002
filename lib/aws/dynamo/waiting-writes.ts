/**
 * The moves of a WAITING task (lib/workflow-store.ts): released for its run, suspended by
 * its run to await children, ended without a run. Conditional on the status, so each
 * happens once: a second release, or an end of a task released meanwhile, writes nothing.
 */
import { INDEX, shardOf, statusIndexKey } from '../../keys.js';
import type { Outcome } from '../../store.js';
import type { EndedStatus } from '../../workflow-store.js';
import { fromItem } from './item.js';
import type { TaskTable } from './table.js';
import { updateTask } from './update.js';

/**
 * Only a WAITING task is released, once: QUEUED and due now (`eta`, from which the
 * reconciler counts), its re-send count cleared, its expiry counted from now. A QUEUED task
 * stays in the PENDING index group: no index write.
 */
export async function releaseTask(table: TaskTable, id: string, release: { time: number; expiry?: number }) {
  const item = await updateTask(table, id, {
    set: { status: 'QUEUED', eta: release.time, expiry: release.expiry },
    remove: ['resends'],
    condition: '#status = :waiting',
    values: { ':waiting': 'WAITING' },
  });
  return fromItem(item, release.time);
}

/** Only the attempt that holds the claim suspends its task (fenced as a finish is). No index write. */
export async function suspendTask(table: TaskTable, id: string, attempt: number) {
  const item = await updateTask(table, id, {
    set: { status: 'WAITING' },
    remove: ['lease_until'],
    condition: '#status = :started AND #attempts = :attempt',
    values: { ':started': 'STARTED', ':attempt': attempt },
  });
  return fromItem(item);
}

/** Only a WAITING task ends here, once; it becomes ready, with a retention, as a finish makes it. */
export async function endWaiting(table: TaskTable, id: string, outcome: Outcome & { status: EndedStatus }) {
  const item = await updateTask(table, id, {
    set: {
      status: outcome.status,
      [INDEX.byStatus.pk]: statusIndexKey(outcome.status, shardOf(id)),
      time_ended: outcome.time,
      result: outcome.resultJson,
      error: outcome.error,
      stack: outcome.stack,
      ttl: Math.ceil(outcome.time + table.retentionSeconds),
    },
    condition: '#status = :waiting',
    values: { ':waiting': 'WAITING' },
  });
  return fromItem(item, outcome.time);
}
