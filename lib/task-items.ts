import { bodyKey, INDEX, jobIndexAttrs, taskKey, timeSortKey } from './keys.js';
import { itemBytes, LIMITS, writeUnits } from './limits.js';
import { PROGRESS_ATTR, progressText } from './progress.js';
import { isReady, OPTIONAL_FIELDS, type Task, type TaskCost } from './task.js';
import { BODY_ATTR } from './task-side-items.js';
import type { RunUsage } from './store.js';

export type { Item } from './task-side-items.js';
import type { Item } from './task-side-items.js';

/**
 * The layout of a task's items and what their writes cost, shared by the DynamoDB adapter
 * (lib/aws/dynamo/, which writes them) and the memory store (lib/memory/, which counts the
 * units the adapter's writes would cost): neither imports the other.
 *
 * A task's items (lib/keys.ts): its head — status, times, lease, counters, index keys, and
 * its kwargs and caller when they fit — and side items the head names: when they do not fit,
 * its body, which holds them, written once at enqueue and never updated; after an attempt
 * that will be retried, its fail item, which holds that attempt's error, stack and the
 * history (`failItem`), written once by that finish. Every write after the enqueue (claim,
 * heartbeats, finish) touches the head only — and a RETRY finish puts a fail item —, so the
 * head stays within `LIMITS.headBytes` while the task waits and runs, and each costs 1 write
 * unit whatever the kwargs' size and whatever the last attempt threw. Attribute names are the
 * wire's (lib/task.ts); the id, the job name and the parent are read back from the keys.
 */
export interface TaskItems {
  head: Item;
  body?: Item;
}

/**
 * The head's `cost` attribute: what the task consumed so far (TaskCost), as JSON with short
 * keys (its bytes count in the head). The enqueue writes its write units and send share;
 * each finish writes the sum with its attempt's (the finish is fenced: no other writer).
 * A task shows it once recorded (`shownCost`).
 */
export const COST_ATTR = 'cost';
const COST_KEYS = {
  writeUnits: 'w',
  sqsRequests: 's',
  lambdaRequests: 'l',
  lambdaMs: 'm',
  gbSeconds: 'g',
  heartbeats: 'h',
} as const satisfies Record<keyof TaskCost, string>;

/** The `cost` attribute's text for a cost so far. */
export function costText(cost: Partial<TaskCost>): string {
  const short: Record<string, number> = {};
  for (const [field, key] of Object.entries(COST_KEYS)) {
    const value = cost[field as keyof TaskCost];
    if (value !== undefined) short[key] = value;
  }
  return JSON.stringify(short);
}

/** The cost so far in a `cost` attribute's text. */
export function costFromText(text: string | undefined): Partial<TaskCost> {
  const short = text ? JSON.parse(text) : {};
  const cost: Partial<TaskCost> = {};
  for (const [field, key] of Object.entries(COST_KEYS))
    if (short[key] !== undefined) cost[field as keyof TaskCost] = short[key];
  return cost;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * The write units of a write that records its own units: `count(units)` gives the units of
 * the write that records `units`; counted again until it agrees (a number of a few bytes
 * changes them only at a 1 KB boundary: once or twice).
 */
export function settledUnits(count: (units: number) => number, start = 0): number {
  let units = start;
  for (let round = 0; round < 4; round++) {
    const counted = count(units);
    if (counted === units) break;
    units = counted;
  }
  return units;
}

/** A cost so far with an attempt's added: its usage outside the store, and `units` of its writes. */
export function withUsage(spent: Partial<TaskCost>, usage: RunUsage, units: number): Partial<TaskCost> {
  const cost: Partial<TaskCost> = {
    writeUnits: (spent.writeUnits ?? 0) + units,
    sqsRequests: round6((spent.sqsRequests ?? 0) + usage.sqsRequests),
    lambdaRequests: round6((spent.lambdaRequests ?? 0) + usage.lambdaRequests),
    lambdaMs: (spent.lambdaMs ?? 0) + usage.lambdaMs,
    heartbeats: (spent.heartbeats ?? 0) + usage.heartbeats,
  };
  if (usage.gbSeconds !== undefined || spent.gbSeconds !== undefined) {
    cost.gbSeconds = round6((spent.gbSeconds ?? 0) + (usage.gbSeconds ?? 0));
  }
  return cost;
}

/** Bookkeeping attributes that stay off the wire. */
const INTERNAL_FIELDS: readonly (readonly [keyof Task, string])[] = [
  ['leaseUntil', 'lease_until'],
  ['sendError', 'send_error'],
  ['revokeRequested', 'revoke_requested'],
  ['deadLettered', 'dead_lettered'],
  ['resends', 'resends'],
  ['parked', 'parked'],
];

/**
 * What a head holds for an absent time, so that the claim compares numbers rather than ask
 * `attribute_not_exists` in OR groups (dynalite parses those slowly: the local stack's
 * bottleneck, BENCHMARKS.md): a task waiting for a run has `lease_until` and, without one,
 * `eta` 0; a task without an expiry has `expiry` 1e10 (the year 2286: after any expiry,
 * at most a year ahead). Read back as absent.
 */
export const NO_TIME = 0;
export const NO_EXPIRY = 1e10;
export const STAND_INS: Record<string, number> = { lease_until: NO_TIME, eta: NO_TIME, expiry: NO_EXPIRY };

/** Fields kept in the keys: not attributes of their own. */
const KEYED: readonly (keyof Task)[] = ['fromTask'];

/** Every optional and bookkeeping field and its attribute. */
export const ALL_FIELDS = [...OPTIONAL_FIELDS, ...INTERNAL_FIELDS];
/** Those a head holds as they are: not the keyed ones, not `caller` (it goes where the kwargs go). */
const HEAD_FIELDS = ALL_FIELDS.filter(([field, attr]) => !KEYED.includes(field) && attr !== 'caller');

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
export function toItems(
  task: Task,
  bodyRef: string,
  extra: Item = {},
  inline?: boolean,
  kwargsText = JSON.stringify(task.kwargs),
): TaskItems {
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
  for (const [field, attr] of HEAD_FIELDS) if (task[field] !== undefined) head[attr] = task[field];
  if (task.result !== undefined) head.result = JSON.stringify(task.result);
  if (task.errors?.length) head.errors = JSON.stringify(task.errors);
  if (task.progress) head[PROGRESS_ATTR] = progressText(task.progress);
  if (!isReady(task.status)) {
    head.lease_until ??= NO_TIME;
    head.eta ??= NO_TIME;
  }
  head.expiry ??= NO_EXPIRY;
  const carried = { kwargs: kwargsText, caller: task.caller };
  const room = RUN_BYTES + LIMITS.progressBytes + LIMITS.outboxBytes;
  // No attribute is in both: the head's size with them is the sum.
  if (inline ?? itemBytes(head) + itemBytes(carried) + room <= LIMITS.headBytes) {
    return { head: { ...head, ...carried } };
  }
  return { head: { ...head, [BODY_ATTR]: bodyRef }, body: { ...bodyKey(task.id, bodyRef), ...carried } };
}

/**
 * A recorded cost as a task shows it: every count, 0 when none; undefined before any was
 * recorded — a finish's (`lambdaMs`) or its enqueue's (a send share: every enqueue has one).
 */
export function shownCost(spent: Partial<TaskCost> | undefined): TaskCost | undefined {
  if (!spent || (spent.lambdaMs === undefined && !(spent.sqsRequests ?? 0))) return undefined;
  const cost: TaskCost = {
    writeUnits: spent.writeUnits ?? 0,
    sqsRequests: spent.sqsRequests ?? 0,
    lambdaRequests: spent.lambdaRequests ?? 0,
    lambdaMs: spent.lambdaMs ?? 0,
    heartbeats: spent.heartbeats ?? 0,
  };
  if (spent.gbSeconds !== undefined) cost.gbSeconds = spent.gbSeconds;
  return cost;
}

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
 * GSI write costs.) `oldBytes`: `old`'s size, when the caller has it already.
 */
export const headWriteUnits = (old: Item | undefined, item: Item | undefined, oldBytes?: number): number =>
  writeUnits(Math.max(oldBytes ?? (old ? itemBytes(old) : 0), item ? itemBytes(item) : 0)) + indexWrites(old, item);

/** Write units a non-overlap lock costs a task: its put at enqueue and its release at the end (estimated: after the finish). */
const LOCK_UNITS = 2;

/** The fields a new task's record holds: what `queue_task` sets, no run bookkeeping. */
const ENQUEUE_FIELDS = [
  'id',
  'name',
  'status',
  'kwargs',
  'timeQueued',
  'eta',
  'expiry',
  'attempts',
  'fromTask',
  'lockId',
  'caller',
  'traceparent',
  'priority',
] as const satisfies readonly (keyof Task)[];

/**
 * A new task's items — its enqueue fields only —, its cost so far counted in its head (`COST_ATTR`): the write units of
 * its create — the body, the head, its index entries, its lock — and its share of the send
 * that will carry its message. `ref` names the body, `bodyTtl` is its TTL, `marks` its QUEUED
 * event pending in the outbox (outbox.ts).
 */
export function newTaskItems(given: Task, o: { ref: string; sqsRequests: number; bodyTtl: number; marks?: Item }) {
  // A new task is its enqueue fields: run bookkeeping on the given task is not stored.
  const task = Object.fromEntries(ENQUEUE_FIELDS.map((field) => [field, given[field]])) as unknown as Task;
  const lock = task.lockId ? LOCK_UNITS : 0;
  // Settling counts two or three times: the kwargs' JSON is made once, and a count whose
  // cost text is as long as the last one's (the usual case) changes only that attribute —
  // sizes, and so where the kwargs go, are the same.
  const kwargsText = JSON.stringify(task.kwargs);
  let last: { units: number; cost: string; items: TaskItems } | undefined;
  const itemsWith = (units: number) => {
    if (last?.units === units) return last.items;
    const cost = costText({ writeUnits: units, sqsRequests: o.sqsRequests });
    let items: TaskItems;
    if (last && last.cost.length === cost.length)
      items = { ...last.items, head: { ...last.items.head, [COST_ATTR]: cost } };
    else {
      items = toItems(task, o.ref, { [COST_ATTR]: cost, ...o.marks }, undefined, kwargsText);
      if (items.body) items.body.ttl = o.bodyTtl;
    }
    last = { units, cost, items };
    return items;
  };
  const units = settledUnits((u) => {
    const { head, body } = itemsWith(u);
    return headWriteUnits(undefined, head) + (body ? writeUnits(itemBytes(body)) : 0) + lock;
  }, 1);
  return { ...itemsWith(units), units };
}
