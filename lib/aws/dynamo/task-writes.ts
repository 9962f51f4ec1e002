/**
 * The conditional writes of a task's run: create, claim, heartbeat (extend the lease),
 * finish. Each says what its condition guarantees; a failed condition writes nothing and
 * returns undefined. Every write after the create is an UpdateItem of the head alone
 * (lib/aws/dynamo/item.ts), which answers the head as it was and costs what the head weighs —
 * and a RETRY finish puts a fail item first (side-items.ts).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TaskExistsError } from '../../errors.js';
import { INDEX, jobIndexAttrs, jobOfIndexKey, taskIdOfPartition, taskKey } from '../../keys.js';
import { itemBytes } from '../../limits.js';
import type { ClaimResult, CreateUsage, Outcome, TaskStore } from '../../store.js';
import type { Task } from '../../task.js';
import { eventKindOf, type TaskEventKind } from '../../task-events.js';
import { bodyTtl, keepSideItems, newRef, putFailItem, sideItemsOf } from './side-items.js';
import {
  COST_ATTR,
  costFromText,
  costText,
  FAIL_ATTR,
  failureOf,
  fromItems,
  headWriteUnits,
  NO_TIME,
  newTaskItems,
  settledUnits,
  withUsage,
} from './item.js';
import { listJob } from './job-names.js';
import { markAttr, outboxMark } from './outbox-marks.js';
import { PROGRESS_ATTR, progressText, type TaskProgress } from '../../progress.js';
import { getTask } from './queries.js';
import { isConditionFailed, type Item, type TaskTable } from './table.js';
import { applyUpdate, IDLE, type TaskUpdate, updateTask } from './update.js';

export const ttlAfter = (table: TaskTable, time: number) => Math.ceil(time + table.retentionSeconds);

/**
 * Write a new task: list its job (job-names.ts), put its body if it has one, then its head.
 * One record per id: TaskExistsError if the id is taken. A head past its TTL reads as absent
 * (DynamoDB deletes it only within days), so it does not hold its id either: the put
 * replaces it. Crash safety without transactions: the body goes first under a fresh random
 * ref, and only the head, written last and conditionally, makes the task exist; a crash or a
 * lost race in between leaves a body no head names, which no read returns and its TTL
 * removes.
 */
export async function createTask(table: TaskTable, task: Task, now: number, usage?: CreateUsage): Promise<void> {
  const { head, body } = newTaskItems(task, {
    ref: newRef(),
    sqsRequests: usage?.sqsRequests ?? 0,
    bodyTtl: bodyTtl(table.retentionSeconds, task.eta ?? now),
    marks: outboxMark(table, task.name, 'queued', task.timeQueued),
  });
  await listJob(table, task.name);
  if (body) await table.doc.send(new PutCommand({ TableName: table.name, Item: body }));
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: head,
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
 * claimable either: expired, not due yet, or being revoked. The side items the head names are
 * read here in one request — the body (the run needs the kwargs), the fail item (the run's
 * outcome adds to its history) — and kept long enough for the run to end.
 */
export async function claimTask(table: TaskTable, claim: Parameters<TaskStore['claimTask']>[0]): Promise<ClaimResult> {
  const { id, now, leaseUntil, worker } = claim;
  const written = await updateTask(table, id, {
    set: {
      status: 'STARTED',
      time_started: now,
      lease_until: leaseUntil,
      worker,
      ...outboxMark(table, claim.job, 'started', now),
    },
    add: { attempts: 1 },
    // Idle; not expired; not expired before it was due; due. Absent times have stand-ins
    // (item.ts): no expiry is 1e10, no eta 0.
    condition: `${IDLE} AND #expiry > :now AND #expiry > #eta AND #eta <= :due AND attribute_not_exists(#revoke_requested)`,
    // Past its expiry a task is not started, not even for a retry (Celery's rule). SQS
    // delays are whole seconds and may fire a little early: an expiry at the due time itself
    // (`expiry: 0`) has passed even then.
    values: { ':now': now, ':due': now + 1 },
  });
  if (!written) return { claimed: false, task: await getTask(table, id) };
  const sides = await sideItemsOf(table, written.item);
  const kept = await keepSideItems(table, sides, ttlAfter(table, now));
  table.running.set(id, { head: written.item, sides, units: written.units + kept });
  return { claimed: true, task: fromItems(written.item, sides)! };
}

/** The head of task `id` as it is now (strongly consistent), or undefined. */
export async function readHead(table: TaskTable, id: string): Promise<Item | undefined> {
  const { Item } = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: taskKey(id), ConsistentRead: true }),
  );
  return Item;
}

/**
 * The finish's update of `head`: the outcome, the status group, the TTL, and what the attempt
 * consumed. A RETRY's error, stack and history are in the fail item `failRef`, which the head
 * names; a ready outcome's are on the head, which names none (the last one is left to its TTL:
 * a delete would cost its size in write units).
 */
function finishUpdate(
  table: TaskTable,
  head: Item,
  attempt: number,
  outcome: Outcome,
  units: number,
  failRef?: string,
): TaskUpdate {
  const ready = outcome.status !== 'RETRY';
  const usage = outcome.usage;
  const id = taskIdOfPartition(head.pk);
  const job = jobOfIndexKey(head[INDEX.byJob.pk]);
  const set: Item = {
    status: outcome.status,
    // A ready task's `by_job` entry moves to its status group; a RETRY stays PENDING.
    ...(ready ? jobIndexAttrs(id, job, outcome.status) : {}),
    time_ended: outcome.time,
    result: outcome.resultJson,
    ...(ready ? failureOf(outcome) : { error: undefined, stack: undefined, errors: undefined }),
    [FAIL_ATTR]: failRef,
    eta: outcome.eta,
    ttl: ready ? ttlAfter(table, outcome.time) : undefined,
    // A RETRY waits for its next run: no lease (item.ts's stand-in).
    lease_until: ready ? undefined : NO_TIME,
    // The report the heartbeats had not written yet comes with the outcome; a ready task
    // keeps its last one, a RETRY's next attempt starts without.
    ...(outcome.progress && ready ? { [PROGRESS_ATTR]: progressText(outcome.progress) } : {}),
    ...(usage ? { [COST_ATTR]: costText(withUsage(costFromText(head[COST_ATTR]), usage, units)) } : {}),
    ...outboxMark(table, job, eventKindOf(outcome), outcome.time),
  };
  // The events this attempt sent leave the outbox with this write (outbox-marks.ts).
  for (const kind of Object.keys(outcome.sentEvents ?? {})) set[markAttr(kind as TaskEventKind)] = undefined;
  // The outcome replaces the last one whole: what it does not give is removed — if the head
  // has it (only finishes and ends write these fields: no one changed them since the claim).
  for (const [attr, value] of Object.entries(set))
    if (value === undefined && head[attr] === undefined) delete set[attr];
  return {
    set,
    // A revoke asked while the attempt ran (maybe since the head was read) outlives a RETRY:
    // the next claim refuses the task. A RETRY drops the attempt's progress (a heartbeat may
    // have written it since the head was read).
    remove: ready ? ['revoke_requested'] : [PROGRESS_ATTR],
    condition: '#status = :started AND #attempts = :attempt',
    values: { ':started': 'STARTED', ':attempt': attempt },
  };
}

/**
 * Fenced finish: only the attempt that holds the claim writes its outcome, so a run that
 * lost its lease cannot overwrite a newer attempt. A ready outcome clears a revoke request;
 * a RETRY keeps it, so the task is not run again. A ready outcome moves the task's `by_job`
 * entry to its status group (a delete and a put); a RETRY stays in PENDING: no index write.
 *
 * A RETRY puts its error, stack and history in a fail item first (a fresh ref: a finish that
 * then loses its fence leaves an item no head names, which its TTL removes), and the head
 * names it: the retry's claim and heartbeats then cost what the small head weighs.
 *
 * With `outcome.usage`, the same write adds the attempt's cost, its write units included —
 * the claim's, the heartbeats', the fail item's put and this write's own, counted from the
 * head as this store last wrote it (read first when another store claimed the task; a head
 * changed since by another writer, a revoke request, may leave them one unit off). Returns the
 * task as written.
 */
export async function finishTask(table: TaskTable, id: string, attempt: number, outcome: Outcome) {
  const cached = table.running.get(id);
  table.running.delete(id);
  const mine = cached?.head.attempts === attempt ? cached : undefined;
  const head = mine?.head ?? (await readHead(table, id));
  // A head read now that another attempt holds: the fenced write would fail, write nothing.
  if (head?.status !== 'STARTED' || head.attempts !== attempt) return undefined;
  const ready = outcome.status !== 'RETRY';
  const retryDue = outcome.eta ?? outcome.time;
  const fail = ready
    ? undefined
    : await putFailItem(table, id, failureOf(outcome), bodyTtl(table.retentionSeconds, retryDue));
  const runUnits = (mine?.units ?? 0) + (fail?.units ?? 0);
  // This write's own units are part of what it records. The head's size and the update of
  // the last count are kept: settling counts two or three times, then writes the last.
  const headBytes = itemBytes(head);
  let last: { units: number; op: TaskUpdate } | undefined;
  const update = (u: number) =>
    last?.units === u
      ? last.op
      : (last = { units: u, op: finishUpdate(table, head, attempt, outcome, u, fail?.ref) }).op;
  const units = outcome.usage
    ? settledUnits((u) => runUnits + headWriteUnits(head, applyUpdate(head, update(u)), headBytes), runUnits)
    : runUnits;
  const written = await updateTask(table, id, update(units));
  if (!written) return undefined;
  const { body } = mine?.sides ?? (await sideItemsOf(table, { ...written.item, [FAIL_ATTR]: undefined }));
  // The head now lives until its TTL: its body must too (a run that ended long after its claim).
  if (ready) await keepSideItems(table, { body }, ttlAfter(table, outcome.time));
  return fromItems(written.item, { body, fail: fail?.item }, outcome.time);
}

/** Only the attempt that holds the claim extends it; the same write records its latest `progress`, if any. */
export async function extendLease(
  table: TaskTable,
  id: string,
  attempt: number,
  leaseUntil: number,
  progress?: TaskProgress,
) {
  const written = await updateTask(table, id, {
    set: { lease_until: leaseUntil, ...(progress ? { [PROGRESS_ATTR]: progressText(progress) } : {}) },
    condition: '#status = :started AND #attempts = :attempt',
    values: { ':started': 'STARTED', ':attempt': attempt },
  });
  const run = table.running.get(id);
  if (!written) return void table.running.delete(id);
  if (run) Object.assign(run, { head: written.item, units: run.units + written.units });
  return fromItems(written.item, run?.sides ?? (await sideItemsOf(table, written.item)));
}
