import {
  bodyKey,
  bodyRefOf,
  INDEX,
  jobIndexAttrs,
  jobOfIndexKey,
  taskIdOfPartition,
  taskKey,
  timeSortKey,
} from '../../keys.js';
import { itemBytes, LIMITS, writeUnits } from '../../limits.js';
import { OPTIONAL_FIELDS, type Task, type TaskCost } from '../../task.js';
import type { Item } from './table.js';

/**
 * A task's items (lib/keys.ts): its head — status, times, lease, counters, index keys, and
 * its kwargs and caller when they fit — and, when they do not, its body, which holds them,
 * is written once at enqueue and never updated. Every write after the enqueue (claim,
 * heartbeats, finish) touches the head only, which stays within `LIMITS.headBytes` while the
 * task runs, so each costs 1 write unit whatever the kwargs' size. Attribute names are the
 * wire's (lib/task.ts); the id, the job name and the parent are read back from the keys.
 */
export interface TaskItems {
  head: Item;
  body?: Item;
}

/**
 * Head attributes holding what the task consumed (TaskCost): the enqueue writes the first
 * two, each finish adds its attempt's. `cost_ms` marks a cost recorded by a finish.
 */
export const COST_ATTRS = {
  writeUnits: 'cost_wu',
  sqsRequests: 'cost_sqs',
  lambdaRequests: 'cost_lr',
  lambdaMs: 'cost_ms',
  gbSeconds: 'cost_gbs',
  heartbeats: 'cost_hb',
} as const satisfies Record<keyof TaskCost, string>;

/** The attribute naming the body's ref on a head whose kwargs live in a body. */
export const BODY_ATTR = 'body';

/** Bookkeeping attributes that stay off the wire. */
const INTERNAL_FIELDS: readonly (readonly [keyof Task, string])[] = [
  ['leaseUntil', 'lease_until'],
  ['sendError', 'send_error'],
  ['revokeRequested', 'revoke_requested'],
  ['deadLettered', 'dead_lettered'],
  ['resends', 'resends'],
];

/** Fields kept in the keys: not attributes of their own. */
const KEYED: readonly (keyof Task)[] = ['fromTask'];

// The most a claim adds to a head: its times (17 significant digits, as Date.now() / 1000
// plus a lease can give) and the longest worker name recorded.
const LONG_TIME = 1_796_023_393.1234567;
const RUN_BYTES = itemBytes({
  time_started: LONG_TIME,
  lease_until: LONG_TIME,
  worker: 'w'.repeat(LIMITS.workerBytes),
});

/**
 * The head of a task as its fields stand (every field the task has), and the attributes that
 * hold its kwargs and caller — in the head when they fit (the head with them, what a claim
 * adds and `LIMITS.progressBytes` within `LIMITS.headBytes`), else under `bodyRef` in a body.
 * `extra`: attributes the task type does not carry (`ttl`, cost counters). `inline` forces the
 * choice the task's enqueue made (the memory store sizes later heads with it).
 */
export function toItems(task: Task, bodyRef: string, extra: Item = {}, inline?: boolean): TaskItems {
  const head: Item = {
    ...taskKey(task.id),
    status: task.status,
    time_queued: task.timeQueued,
    attempts: task.attempts,
    [INDEX.sortKey]: timeSortKey(task.timeQueued, task.id),
    ...jobIndexAttrs(task.id, task.name, task.status),
    ...(task.fromTask ? { [INDEX.byParent.pk]: task.fromTask } : {}),
    ...extra,
  };
  for (const [field, attr] of [...OPTIONAL_FIELDS, ...INTERNAL_FIELDS]) {
    if (!KEYED.includes(field) && task[field] !== undefined && attr !== 'caller') head[attr] = task[field];
  }
  if (task.result !== undefined) head.result = JSON.stringify(task.result);
  if (task.errors?.length) head.errors = JSON.stringify(task.errors);
  const carried = { kwargs: JSON.stringify(task.kwargs), caller: task.caller };
  if (inline ?? itemBytes({ ...head, ...carried }) + RUN_BYTES + LIMITS.progressBytes <= LIMITS.headBytes) {
    return { head: { ...head, ...carried } };
  }
  return { head: { ...head, [BODY_ATTR]: bodyRef }, body: { ...bodyKey(task.id, bodyRef), ...carried } };
}

/** The task of a head (and its body, when it has one); undefined for none, or past its TTL (AWS deletes within days). */
export function fromItems(head: Item | undefined, body?: Item, now = Date.now() / 1000): Task | undefined {
  if (!head || (head.ttl !== undefined && head.ttl < now)) return undefined;
  const carried = head[BODY_ATTR] === undefined ? head : body;
  if (!carried) throw new Error(`task ${head.pk}: its body item ${head[BODY_ATTR]} is missing`);
  const task: Task = {
    id: taskIdOfPartition(head.pk),
    name: jobOfIndexKey(head[INDEX.byJob.pk]),
    status: head.status,
    kwargs: JSON.parse(carried.kwargs ?? '{}'),
    timeQueued: head.time_queued,
    attempts: head.attempts ?? 0,
  };
  if (head.result !== undefined) task.result = JSON.parse(head.result);
  if (head.errors !== undefined) task.errors = JSON.parse(head.errors);
  for (const [field, attr] of [...OPTIONAL_FIELDS, ...INTERNAL_FIELDS]) {
    const value = attr === 'caller' ? carried.caller : head[attr];
    if (value !== undefined) (task as any)[field] = value;
  }
  if (head[INDEX.byParent.pk] !== undefined) task.fromTask = head[INDEX.byParent.pk];
  if (head[COST_ATTRS.lambdaMs] !== undefined) task.cost = costOf(head);
  return task;
}

function costOf(head: Item): TaskCost {
  const cost: TaskCost = {
    writeUnits: head[COST_ATTRS.writeUnits] ?? 0,
    sqsRequests: head[COST_ATTRS.sqsRequests] ?? 0,
    lambdaRequests: head[COST_ATTRS.lambdaRequests] ?? 0,
    lambdaMs: head[COST_ATTRS.lambdaMs],
    heartbeats: head[COST_ATTRS.heartbeats] ?? 0,
  };
  if (head[COST_ATTRS.gbSeconds] !== undefined) cost.gbSeconds = head[COST_ATTRS.gbSeconds];
  return cost;
}

/** The body ref of a body item's key, or undefined for another item. */
export const bodyRefOfItem = (item: Item): string | undefined => bodyRefOf(item.sk);

/**
 * `get_tasks`' index entries back to task ids: the partition key of each entry's head.
 * (KEYS_ONLY entries carry the table's key.)
 */
export const taskIdOfEntry = (entry: Item): string => taskIdOfPartition(entry.pk);

/** Index writes of a head going from `old` to `item`: per index, an entry put or deleted is 1, a moved one 2. */
export function indexWrites(old: Item | undefined, item: Item | undefined): number {
  let writes = 0;
  for (const key of [INDEX.byJob.pk, INDEX.byParent.pk]) {
    const [was, is] = [old?.[key], item?.[key]];
    if (was === is) continue;
    writes += was !== undefined && is !== undefined ? 2 : 1;
  }
  return writes;
}

/**
 * What DynamoDB bills for writing a head from `old` to `item` (undefined: absent): the
 * larger of the two sizes in 1 KB units, plus the index writes (an entry — the table's key,
 * the index's, 100 bytes — is far under 1 KB). (AWS: capacity unit consumption for writes;
 * GSI write costs.)
 */
export const headWriteUnits = (old: Item | undefined, item: Item | undefined): number =>
  writeUnits(Math.max(old ? itemBytes(old) : 0, item ? itemBytes(item) : 0)) + indexWrites(old, item);

/** Write units a non-overlap lock costs a task: its put at enqueue and its release at the end (estimated: after the finish). */
const LOCK_UNITS = 2;

/**
 * A new task's items — its enqueue fields only —, its cost so far counted in its head (`COST_ATTRS`): the write units of
 * its create — the body, the head, its index entries, its lock — and its share of the send
 * that will carry its message. `ref` names the body, `bodyTtl` is its TTL.
 */
export function newTaskItems(given: Task, o: { ref: string; sqsRequests: number; bodyTtl: number }) {
  // A new task is its enqueue fields: run bookkeeping on the given task is not stored.
  const { id, name, status, kwargs, timeQueued, eta, expiry, attempts, fromTask, lockId, caller } = given;
  const task: Task = { id, name, status, kwargs, timeQueued, eta, expiry, attempts, fromTask, lockId, caller };
  const lock = task.lockId ? LOCK_UNITS : 0;
  let units = 0;
  let items: TaskItems;
  // The count is part of the head it counts: two rounds settle it (a number of a few bytes).
  for (let round = 0; ; round++) {
    items = toItems(task, o.ref, { [COST_ATTRS.writeUnits]: units, [COST_ATTRS.sqsRequests]: o.sqsRequests });
    if (items.body) items.body.ttl = o.bodyTtl;
    const counted = headWriteUnits(undefined, items.head) + (items.body ? writeUnits(itemBytes(items.body)) : 0) + lock;
    if (counted === units || round === 2) return { ...items, units };
    units = counted;
  }
}
