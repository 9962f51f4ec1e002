/**
 * The conditional writes on a task item. Each says what its condition guarantees; a failed
 * condition writes nothing and returns undefined (or false).
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TaskExistsError } from '../../errors.js';
import { INDEX, shardOf, statusIndexKey, taskKey } from '../../keys.js';
import { LIMITS, truncateBytes } from '../../limits.js';
import type { ClaimResult, Outcome, TaskStore } from '../../store.js';
import type { Task } from '../../task.js';
import { fromItem, toItem } from './item.js';
import { getTask } from './queries.js';
import { isConditionFailed, type TaskTable } from './table.js';
import { IDLE, updateTask } from './update.js';

const ttlAfter = (table: TaskTable, time: number) => Math.ceil(time + table.retentionSeconds);

/**
 * Write a new task. One record per id: TaskExistsError if the id is taken. An item past
 * its TTL reads as absent (DynamoDB deletes it only within days), so it does not hold its
 * id either: the put replaces it.
 */
export async function createTask(table: TaskTable, task: Task, now: number): Promise<void> {
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: toItem(task),
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw new TaskExistsError(task.id);
    throw err;
  }
}

/**
 * Claim before run: only one delivery can move the task to STARTED as a new attempt; a
 * duplicate finds STARTED with a live lease (or a ready task) and fails the check. Not
 * claimable either: expired, not due yet, or being revoked.
 */
export async function claimTask(table: TaskTable, claim: Parameters<TaskStore['claimTask']>[0]): Promise<ClaimResult> {
  const { id, now, leaseUntil, worker } = claim;
  const item = await updateTask(table, id, {
    set: { status: 'STARTED', time_started: now, lease_until: leaseUntil, worker },
    add: { attempts: 1 },
    condition: `${IDLE} AND (attribute_not_exists(#expiry) OR (#expiry > :now AND
      (attribute_not_exists(#eta) OR #expiry > #eta)))
      AND (attribute_not_exists(#eta) OR #eta <= :due) AND attribute_not_exists(#revoke_requested)`,
    // Past its expiry a task is not started, not even for a retry (Celery's rule). SQS
    // delays are whole seconds and may fire a little early: an expiry at the due time itself
    // (`expiry: 0`) has passed even then.
    values: { ':now': now, ':due': now + 1 },
  });
  return item ? { claimed: true, task: fromItem(item)! } : { claimed: false, task: await getTask(table, id) };
}

/**
 * Fenced finish: only the attempt that holds the claim writes its outcome, so a run that
 * lost its lease cannot overwrite a newer attempt. A ready outcome clears a revoke request;
 * a RETRY keeps it, so the task is not run again. A RETRY stays in the PENDING index
 * group: no index write. Returns the task as written.
 */
export async function finishTask(table: TaskTable, id: string, attempt: number, outcome: Outcome) {
  const ready = outcome.status !== 'RETRY';
  const item = await updateTask(table, id, {
    set: {
      status: outcome.status,
      ...(ready ? { [INDEX.byStatus.pk]: statusIndexKey(outcome.status, shardOf(id)) } : {}),
      time_ended: outcome.time,
      result: outcome.resultJson,
      error: outcome.error,
      stack: outcome.stack,
      errors: outcome.errors?.length ? JSON.stringify(outcome.errors) : undefined,
      eta: outcome.eta,
      ttl: ready ? ttlAfter(table, outcome.time) : undefined,
    },
    // A revoke asked while the attempt ran outlives a RETRY: the next claim refuses the task.
    remove: ready ? ['lease_until', 'revoke_requested'] : ['lease_until'],
    condition: '#status = :started AND #attempts = :attempt',
    values: { ':started': 'STARTED', ':attempt': attempt },
  });
  return fromItem(item, outcome.time);
}

/** Only the attempt that holds the claim extends it. */
export async function extendLease(table: TaskTable, id: string, attempt: number, leaseUntil: number) {
  const item = await updateTask(table, id, {
    set: { lease_until: leaseUntil },
    condition: '#status = :started AND #attempts = :attempt',
    values: { ':started': 'STARTED', ':attempt': attempt },
  });
  return fromItem(item);
}

/** Only a STARTED task is asked to stop. */
export async function requestRevoke(table: TaskTable, id: string) {
  const item = await updateTask(table, id, {
    set: { revoke_requested: true },
    condition: '#status = :started',
    values: { ':started': 'STARTED' },
  });
  return fromItem(item);
}

/** Only a task that no live run holds is ended here; a running or ready one fails the check. */
export async function endIdle(table: TaskTable, id: string, end: Parameters<TaskStore['endIdle']>[1]) {
  const item = await updateTask(table, id, {
    set: {
      status: end.status,
      [INDEX.byStatus.pk]: statusIndexKey(end.status, shardOf(id)),
      time_ended: end.time,
      error: truncateBytes(end.reason, LIMITS.errorBytes),
      dead_lettered: end.deadLettered || undefined,
      ttl: ttlAfter(table, end.time),
    },
    remove: ['lease_until'],
    condition: IDLE,
    values: { ':now': end.time },
  });
  return fromItem(item, end.time);
}

/** Two reconcilers that saw the same state count (and send) one re-send. */
export async function markResent(table: TaskTable, id: string, seen: number): Promise<boolean> {
  const item = await updateTask(table, id, {
    set: { resends: seen + 1 },
    condition: seen ? '#resends = :seen' : 'attribute_not_exists(#resends)',
    values: seen ? { ':seen': seen } : {},
  });
  return item !== undefined;
}

/** A redrive: only a dead-lettered FAILURE still within its retention, or an idle task, is queued again. */
export async function requeue(table: TaskTable, id: string, now: number) {
  const item = await updateTask(table, id, {
    set: { status: 'QUEUED', [INDEX.byStatus.pk]: statusIndexKey('QUEUED', shardOf(id)) },
    remove: ['error', 'stack', 'time_ended', 'ttl', 'dead_lettered', 'eta', 'lease_until', 'resends'],
    condition: `(#status = :failure AND #dead_lettered = :true AND #ttl >= :now OR ${IDLE})`,
    values: { ':failure': 'FAILURE', ':true': true, ':now': now },
  });
  return fromItem(item);
}

/** A purge: only a dead-lettered FAILURE loses its mark; its status, error and TTL stay. */
export async function clearDeadLettered(table: TaskTable, id: string) {
  const item = await updateTask(table, id, {
    remove: ['dead_lettered'],
    condition: '#status = :failure AND #dead_lettered = :true',
    values: { ':failure': 'FAILURE', ':true': true },
  });
  return fromItem(item);
}

/** Note (or clear, with undefined) that the task's message could not be sent. */
export async function setSendError(table: TaskTable, id: string, message: string | undefined): Promise<void> {
  await updateTask(table, id, { set: { send_error: message }, remove: message === undefined ? ['send_error'] : [] });
}

/** Delete tasks; the ids that existed. */
export async function deleteTasks(table: TaskTable, ids: string[], now: number): Promise<string[]> {
  const deleted = await Promise.all(
    [...new Set(ids)].map(async (id) => {
      try {
        const { Attributes } = await table.doc.send(
          new DeleteCommand({
            TableName: table.name,
            Key: taskKey(id),
            // A live run's record stays: deleted under it, a task queued again with the same
            // id would get the old run's outcome (both at attempt 1).
            ConditionExpression: 'NOT (#status = :started AND #lease_until >= :now)',
            ExpressionAttributeNames: { '#status': 'status', '#lease_until': 'lease_until' },
            ExpressionAttributeValues: { ':started': 'STARTED', ':now': now },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return fromItem(Attributes) ? id : undefined;
      } catch (err) {
        if (isConditionFailed(err)) return undefined;
        throw err;
      }
    }),
  );
  return deleted.filter((id): id is string => id !== undefined);
}
