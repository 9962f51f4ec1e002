/**
 * The moves of a WAITING task (lib/workflow-store.ts): released for its run, suspended by
 * its run to await children, ended without a run. Each is an UpdateItem of the head alone
 * (item.ts), conditional on the status, so each happens once: a second release, or an end
 * of a task released meanwhile, writes nothing. WAITING is in the `PENDING` index group
 * (lib/keys.ts), so a release or a suspension re-keys nothing; an end moves the `by_job`
 * entry to its status group, as a finish does.
 */
import type { Outcome } from '../../store.js';
import type { EndedStatus } from '../../workflow-store.js';
import { keepSideItems, sideItemsOf } from './side-items.js';
import { FAIL_ATTR, NO_EXPIRY, NO_TIME } from './item.js';
import type { Item, TaskTable } from './table.js';
import { regroup, updated } from './task-ends.js';
import { ttlAfter } from './task-writes.js';

/**
 * Only a WAITING task is released, once: QUEUED and due now (`eta`, from which the
 * reconciler counts), its re-send count and park mark cleared, its expiry counted from now (none: the
 * stand-in, item.ts). Its side items are kept for the run it now waits for, as a claim keeps them.
 */
export async function releaseTask(table: TaskTable, id: string, release: { time: number; expiry?: number }) {
  const written = await updated(
    table,
    id,
    {
      set: { status: 'QUEUED', eta: release.time, expiry: release.expiry ?? NO_EXPIRY },
      remove: ['resends', 'parked'],
      condition: '#status = :waiting',
      values: { ':waiting': 'WAITING' },
    },
    release.time,
  );
  if (written) await keepSideItems(table, written.sides, ttlAfter(table, release.time));
  return written?.task;
}

/**
 * Only the attempt that holds the claim suspends its task (fenced as a finish is); it waits
 * with no lease (the stand-in). The attempt is over: the store forgets it.
 */
export async function suspendTask(table: TaskTable, id: string, attempt: number) {
  table.running.delete(id);
  const written = await updated(table, id, {
    set: { status: 'WAITING', lease_until: NO_TIME },
    condition: '#status = :started AND #attempts = :attempt',
    values: { ':started': 'STARTED', ':attempt': attempt },
  });
  return written?.task;
}

/**
 * A ready end's error fields, as a finish writes them: the outcome's error and stack, and the
 * history kept — on the head, which then names no fail item (an earlier attempt's RETRY left
 * one: its error and stack are not this end's).
 */
async function endedFailure(table: TaskTable, head: Item, outcome: Outcome): Promise<Item> {
  const own = { error: outcome.error, stack: outcome.stack };
  if (head[FAIL_ATTR] === undefined) return own;
  const { fail } = await sideItemsOf(table, head);
  return { ...own, errors: fail?.errors, [FAIL_ATTR]: undefined };
}

/**
 * Only a WAITING task ends here, once; it becomes ready, with a retention, as a finish makes
 * it (its `by_job` entry moved to the status group, its error fields on its head, its body
 * kept as long as its head).
 */
export async function endWaiting(table: TaskTable, id: string, outcome: Outcome & { status: EndedStatus }) {
  const read = await regroup(table, id, outcome.status);
  if (!read) return undefined;
  const { head, group } = read;
  const ttl = ttlAfter(table, outcome.time);
  const written = await updated(
    table,
    id,
    {
      set: {
        status: outcome.status,
        ...group,
        time_ended: outcome.time,
        result: outcome.resultJson,
        ...(await endedFailure(table, head, outcome)),
        ttl,
      },
      remove: ['lease_until', 'eta'],
      condition: '#status = :waiting',
      values: { ':waiting': 'WAITING' },
    },
    outcome.time,
  );
  if (written) await keepSideItems(table, written.sides, ttl);
  return written?.task;
}
