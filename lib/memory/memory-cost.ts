/**
 * What a task's writes would cost on DynamoDB, for the memory store: it counts them as the
 * adapter does (lib/task-items.ts), over the items the adapter would have written, so
 * that a task's `cost` reads the same from both stores.
 */
import {
  COST_ATTR,
  costText,
  headWriteUnits,
  type Item,
  newTaskItems,
  settledUnits,
  toItems,
  withUsage,
} from '../task-items.js';
import { BODY_SLACK_SECONDS, FAIL_ATTR, type Failure, failItem } from '../task-side-items.js';
import { itemBytes, writeUnits } from '../limits.js';
import type { CreateUsage, RunUsage } from '../store.js';
import type { Task } from '../task.js';
import { type TaskRecord, toTask } from './task-record.js';

/** A side item's ref as long as the adapter's (12 characters): sizes count it. */
const REF = 'r'.repeat(12);

/**
 * The adapter's head for a record: every field it has (its own error fields, not its fail
 * item's), its TTL and cost counters, the fail item's ref, kwargs where its enqueue put them.
 */
export function headOf(record: TaskRecord): Item {
  const task = toTask({ ...record, ttl: undefined, fail: undefined }, 0)!;
  const extra: Item = {
    ttl: record.ttl,
    [COST_ATTR]: record.spent && costText(record.spent),
    [FAIL_ATTR]: record.fail && REF,
  };
  return toItems(task, REF, extra, record.inline).head;
}

/** The fail item the adapter would put for task `id` (lib/task-side-items.ts), and the write units of its put. */
export function newFail(id: string, failure: Failure, ttl: number): { item: Item; units: number } {
  const item = failItem(id, REF, failure, ttl);
  return { item, units: writeUnits(itemBytes(item)) };
}

/** The cost fields of a new record: its create's write units and send share, where its kwargs live, its body. */
export function createdCost(task: Task, usage: CreateUsage | undefined, bodyTtl: number): Partial<TaskRecord> {
  const sqsRequests = usage?.sqsRequests ?? 0;
  const items = newTaskItems(task, { ref: REF, sqsRequests, bodyTtl });
  return {
    spent: { writeUnits: items.units, sqsRequests },
    inline: !items.body,
    body: items.body && { bytes: itemBytes(items.body), ttl: bodyTtl },
  };
}

/** The write units of `change` on `record` (which it applies): what the adapter's UpdateItem of the head would cost. */
export function costOf(record: TaskRecord, change: (r: TaskRecord) => void): number {
  const before = headOf(record);
  change(record);
  return headWriteUnits(before, headOf(record));
}

/**
 * The side items' upkeep, as the adapter's (`keepSideItems`): a body or fail item that would
 * end before `until` gets it plus the slack, a write of its size. The write units, 0 for none.
 */
export function keepSides(record: TaskRecord, until: number): number {
  const keep = (side: { ttl?: number } | undefined, bytes: () => number) => {
    if (!side || (side.ttl ?? 0) >= until) return 0;
    side.ttl = Math.ceil(until + BODY_SLACK_SECONDS);
    return writeUnits(bytes());
  };
  return keep(record.body, () => record.body!.bytes) + keep(record.fail, () => itemBytes(record.fail!));
}

/**
 * A finish's cost, as the adapter's finish records it: `usage` plus the run's write units
 * and this write's own, added to the record's counters. `change` applies the outcome.
 */
export function finishCost(record: TaskRecord, runUnits: number, usage: RunUsage, change: (r: TaskRecord) => void) {
  const before = headOf(record);
  const spent = record.spent ?? {};
  change(record);
  // This write's own units are part of what it records, as in the adapter.
  const units = settledUnits((u) => {
    record.spent = withUsage(spent, usage, u);
    return runUnits + headWriteUnits(before, headOf(record));
  }, runUnits);
  record.spent = withUsage(spent, usage, units);
}
