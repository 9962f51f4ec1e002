/**
 * Workflow items and their join (lib/workflow-store.ts). Items apart from the tasks: a
 * count never rewrites a task item, and stays at one write unit whatever the tasks hold.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JOIN_SHARD, joinKey, workflowKey } from '../../keys.js';
import type { EndedStatus, JoinCount, JoinState, WorkflowRecord, WorkflowStore } from '../../workflow-store.js';
import { batchGet, isConditionFailed, type Item, type TaskTable } from './table.js';
import * as waiting from './waiting-writes.js';

function toItem(w: WorkflowRecord): Item {
  return {
    ...workflowKey(w.id),
    id: w.id,
    kind: w.kind,
    size: w.size,
    policy: w.policy,
    link_error: w.linkError && JSON.stringify(w.linkError),
    parent: w.parent,
    from_task: w.fromTask,
    depth: w.depth,
    time_queued: w.timeQueued,
    caller: w.caller,
    request: w.request,
  };
}

function fromItem(item: Item | undefined, now: number): WorkflowRecord | undefined {
  if (!item || (item.ttl !== undefined && item.ttl < now)) return undefined;
  const record: WorkflowRecord = {
    id: item.id,
    kind: item.kind,
    size: item.size,
    depth: item.depth,
    timeQueued: item.time_queued,
    request: item.request,
  };
  const optional: [keyof WorkflowRecord, unknown][] = [
    ['policy', item.policy],
    ['linkError', item.link_error && JSON.parse(item.link_error)],
    ['parent', item.parent],
    ['fromTask', item.from_task],
    ['caller', item.caller],
    ['status', item.status],
    ['timeEnded', item.time_ended],
  ];
  for (const [field, value] of optional) if (value !== undefined) (record as any)[field] = value;
  return record;
}

const getItem = async (table: TaskTable, key: Item) =>
  (await table.doc.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }))).Item;

/** A workflow id names one workflow: the put succeeds only where none is (or one past its retention). */
export async function createWorkflow(table: TaskTable, workflow: WorkflowRecord, now: number) {
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: toItem(workflow),
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return undefined;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    return fromItem(await getItem(table, workflowKey(workflow.id)), now);
  }
}

export async function getWorkflow(table: TaskTable, id: string, now: number) {
  return fromItem(await getItem(table, workflowKey(id)), now);
}

/** A workflow ends once: the first end's status stands. From then its retention runs. */
export async function endWorkflow(
  table: TaskTable,
  id: string,
  end: { status: NonNullable<WorkflowRecord['status']>; time: number },
): Promise<boolean> {
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: workflowKey(id),
        UpdateExpression: 'SET #status = :status, #time_ended = :time, #ttl = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#status)',
        ExpressionAttributeNames: { '#status': 'status', '#time_ended': 'time_ended', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':status': end.status,
          ':time': end.time,
          ':ttl': Math.ceil(end.time + table.retentionSeconds),
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

/**
 * Add `marker` to the item's `done` set and count it, only if the set does not hold it yet:
 * the marker and the count are one write, so a retried or repeated call counts nothing more.
 * The item is created by its first count. Returns the item as written, or undefined when
 * the marker was there already. `ttl` keeps the bookkeeping for a retention past its last count.
 */
async function countOnce(table: TaskTable, key: Item, marker: number, extra: string | undefined, ttl: number) {
  try {
    const { Attributes } = await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: key,
        UpdateExpression: `ADD #done :marker, #counted :one${extra ? `, #${extra} :one` : ''} SET #ttl = :ttl`,
        ConditionExpression: 'NOT contains(#done, :n)',
        ExpressionAttributeNames: {
          '#done': 'done',
          '#counted': 'counted',
          '#ttl': 'ttl',
          ...(extra ? { [`#${extra}`]: extra } : {}),
        },
        ExpressionAttributeValues: { ':marker': new Set([marker]), ':n': marker, ':one': 1, ':ttl': ttl },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes;
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}

const extraCount = (status: EndedStatus) =>
  status === 'FAILURE' ? 'failed' : status === 'REVOKED' ? 'revoked' : undefined;

/**
 * The join (lib/workflow-store.ts `countMember`): the member on its shard, then — by the
 * call that fills the shard, or any later one, so that a crash between the two writes is
 * made good by the next call — the shard on the top item.
 */
export async function countMember(
  table: TaskTable,
  id: string,
  { index, status, size }: { index: number; status: EndedStatus; size: number },
  now: number,
): Promise<JoinCount> {
  const shard = Math.floor(index / JOIN_SHARD);
  const ttl = Math.ceil(now + table.retentionSeconds);
  const written = await countOnce(table, joinKey(id, shard), index % JOIN_SHARD, extraCount(status), ttl);
  const item = written ?? (await getItem(table, joinKey(id, shard)));
  const counted = written !== undefined;
  if (!item || item.counted < Math.min(JOIN_SHARD, size - shard * JOIN_SHARD)) return { counted, complete: false };
  const top = (await countOnce(table, joinKey(id), shard, undefined, ttl)) ?? (await getItem(table, joinKey(id)));
  return { counted, complete: (top?.counted ?? 0) >= Math.ceil(size / JOIN_SHARD) };
}

/** The join's shards, summed. */
export async function readJoin(table: TaskTable, id: string, size: number): Promise<JoinState> {
  const keys = Array.from({ length: Math.ceil(size / JOIN_SHARD) }, (_, k) => joinKey(id, k));
  const state = { counted: new Set<number>(), failed: 0, revoked: 0 };
  for (const item of await batchGet(table, keys)) {
    const shard = Number(String(item.pk).slice(String(item.pk).lastIndexOf('#') + 1));
    for (const local of (item.done as Set<number> | undefined) ?? []) state.counted.add(shard * JOIN_SHARD + local);
    state.failed += item.failed ?? 0;
    state.revoked += item.revoked ?? 0;
  }
  return state;
}

/** The workflow verbs of the DynamoDB store. Times it takes no argument for come from the system clock, as the task writes'. */
export function workflowVerbs(table: TaskTable): WorkflowStore {
  const now = () => Date.now() / 1000;
  return {
    createWorkflow: (workflow) => createWorkflow(table, workflow, now()),
    getWorkflow: (id) => getWorkflow(table, id, now()),
    endWorkflow: (id, end) => endWorkflow(table, id, end),
    countMember: (id, member) => countMember(table, id, member, now()),
    readJoin: (id, size) => readJoin(table, id, size),
    releaseTask: (id, release) => waiting.releaseTask(table, id, release),
    suspendTask: (id, attempt) => waiting.suspendTask(table, id, attempt),
    endWaiting: (id, outcome) => waiting.endWaiting(table, id, outcome),
  };
}
