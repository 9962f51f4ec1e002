/**
 * The conditional writes on a task's head outside its run: a revoke request, ending an idle
 * task, the reconciler's re-send count, a redrive, the send-error note; and deleting a task's
 * items. Each says what its condition guarantees; a failed condition writes nothing and
 * returns undefined (or false).
 */
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX, jobIndexAttrs, jobOfIndexKey, taskIdOfPartition, taskKey, taskPartition } from '../../keys.js';
import { LIMITS, truncateBytes } from '../../limits.js';
import type { TaskStore } from '../../store.js';
import type { TaskStatus } from '../../task.js';
import { eventKindOf } from '../../task-events.js';
import { bodyTtl, keepSideItems, putFailItem, sideItemsOf } from './side-items.js';
import { FAIL_ATTR, fromItems, NO_TIME } from './item.js';
import { outboxMark } from './outbox-marks.js';
import { isConditionFailed, type Item, type TaskTable } from './table.js';
import { readHead, ttlAfter } from './task-writes.js';
import { IDLE, type TaskUpdate, updateTask } from './update.js';

/** One update of the head; the task as written (the side items it names read with it), or undefined. */
export async function updated(table: TaskTable, id: string, op: TaskUpdate, now?: number) {
  const written = await updateTask(table, id, op);
  if (!written) return undefined;
  const sides = await sideItemsOf(table, written.item);
  return { task: fromItems(written.item, sides, now), sides };
}

/**
 * The head as it is now, and the `by_job` attribute of task `id` in `status`: the job's name
 * is in that key, which an end or a redrive moves to another status group, so these writes
 * read the head first.
 */
export async function regroup(table: TaskTable, id: string, status: TaskStatus) {
  const head: Item | undefined = await readHead(table, id);
  if (!head) return undefined;
  const key = jobIndexAttrs(id, jobOfIndexKey(head[INDEX.byJob.pk]), status)[INDEX.byJob.pk];
  return { head, group: { [INDEX.byJob.pk]: key } };
}

/**
 * What a redrive does to a head's fail item: the task shows no error or stack while it waits
 * again, but keeps its history (the next failure adds to it). The history goes to a new fail
 * item of its own (a put of its size, under a fresh ref: the item the head names is never
 * changed, so a requeue that then fails its condition changes nothing a read shows). The head
 * attributes to set: none for a head without a fail item.
 */
async function historyAlone(table: TaskTable, head: Item, now: number): Promise<Item> {
  if (head[FAIL_ATTR] === undefined) return {};
  const { fail } = await sideItemsOf(table, head);
  if (fail?.errors === undefined) return { [FAIL_ATTR]: undefined };
  const id = taskIdOfPartition(head.pk);
  const put = await putFailItem(table, id, { errors: fail.errors }, bodyTtl(table.retentionSeconds, now));
  return { [FAIL_ATTR]: put.ref };
}

/** Only a STARTED task is asked to stop. */
export async function requestRevoke(table: TaskTable, id: string) {
  const written = await updated(table, id, {
    set: { revoke_requested: true },
    condition: '#status = :started',
    values: { ':started': 'STARTED' },
  });
  return written?.task;
}

/**
 * Only a task that no live run holds is ended here; a running or ready one fails the check.
 * Its reason is its error; a fail item (a RETRY's) stays named, so the task keeps showing the
 * last attempt's stack and the history, and is kept as long as the head.
 */
export async function endIdle(table: TaskTable, id: string, end: Parameters<TaskStore['endIdle']>[1]) {
  const read = await regroup(table, id, end.status);
  if (!read) return undefined;
  const { group } = read;
  const ttl = ttlAfter(table, end.time);
  const mark = outboxMark(table, jobOfIndexKey(group[INDEX.byJob.pk]), eventKindOf(end), end.time);
  const written = await updated(
    table,
    id,
    {
      set: {
        status: end.status,
        ...group,
        time_ended: end.time,
        error: truncateBytes(end.reason, LIMITS.errorBytes),
        dead_lettered: end.deadLettered || undefined,
        ttl,
        ...mark,
      },
      remove: ['lease_until'],
      condition: IDLE,
      values: { ':now': end.time },
    },
    end.time,
  );
  // The head now lives until its TTL: its side items must too (a task that waited long past its due time).
  if (written) await keepSideItems(table, written.sides, ttl);
  return written?.task;
}

/** Two reconcilers that saw the same state count (and send) one re-send. */
export async function markResent(table: TaskTable, id: string, seen: number): Promise<boolean> {
  const written = await updateTask(table, id, {
    set: { resends: seen + 1 },
    condition: seen ? '#resends = :seen' : 'attribute_not_exists(#resends)',
    values: seen ? { ':seen': seen } : {},
  });
  return written !== undefined;
}

/**
 * A redrive: only a dead-lettered FAILURE still within its retention, or an idle task, is
 * queued again — without its error and stack, with its history (`historyAlone`).
 */
export async function requeue(table: TaskTable, id: string, now: number) {
  const read = await regroup(table, id, 'QUEUED');
  if (!read) return undefined;
  const { head, group } = read;
  const written = await updated(table, id, {
    // Waiting for a run again: no eta, no lease (item.ts's stand-ins).
    set: {
      status: 'QUEUED',
      ...group,
      ...(await historyAlone(table, head, now)),
      eta: NO_TIME,
      lease_until: NO_TIME,
      ...outboxMark(table, jobOfIndexKey(group[INDEX.byJob.pk]), 'queued', now),
    },
    remove: ['error', 'stack', 'time_ended', 'ttl', 'dead_lettered', 'resends'],
    condition: `(#status = :failure AND #dead_lettered = :true AND #ttl >= :now OR ${IDLE})`,
    values: { ':failure': 'FAILURE', ':true': true, ':now': now },
  });
  return written?.task;
}

/** A purge: only a dead-lettered FAILURE loses its mark; its status, error and TTL stay. */
export async function clearDeadLettered(table: TaskTable, id: string) {
  const written = await updated(table, id, {
    remove: ['dead_lettered'],
    condition: '#status = :failure AND #dead_lettered = :true',
    values: { ':failure': 'FAILURE', ':true': true },
  });
  return written?.task;
}

/** Note (or clear, with undefined) that the task's message could not be sent. */
export async function setSendError(table: TaskTable, id: string, message: string | undefined): Promise<void> {
  await updateTask(table, id, { set: { send_error: message }, remove: message === undefined ? ['send_error'] : [] });
}

/**
 * Delete tasks, every item of each (head, body, fail items: the whole partition); the ids
 * deleted. The head goes first, conditionally: a live run's task stays (deleted under it, a
 * task queued again with the same id would get the old run's outcome, both at attempt 1).
 * Once the head is gone the task is; a side item a crash leaves is one no head names (its TTL
 * removes it).
 */
export async function deleteTasks(table: TaskTable, ids: string[], now: number): Promise<string[]> {
  const deleted = await Promise.all([...new Set(ids)].map((id) => deleteTask(table, id, now)));
  return deleted.filter((id): id is string => id !== undefined);
}

async function deleteTask(table: TaskTable, id: string, now: number): Promise<string | undefined> {
  let head: Item | undefined;
  try {
    ({ Attributes: head } = await table.doc.send(
      new DeleteCommand({
        TableName: table.name,
        Key: taskKey(id),
        ConditionExpression: 'NOT (#status = :started AND #lease_until >= :now)',
        ExpressionAttributeNames: { '#status': 'status', '#lease_until': 'lease_until' },
        ExpressionAttributeValues: { ':started': 'STARTED', ':now': now },
        ReturnValues: 'ALL_OLD',
      }),
    ));
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
  const { Items = [] } = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': taskPartition(id) },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    }),
  );
  for (const { pk, sk } of Items) await table.doc.send(new DeleteCommand({ TableName: table.name, Key: { pk, sk } }));
  return head && !(head.ttl !== undefined && head.ttl < now) ? id : undefined;
}
