import { INDEX, jobIndexKey, shardOf, statusIndexAttrs, taskKey, timeSortKey } from '../../keys.js';
import { OPTIONAL_FIELDS, type Task } from '../../task.js';
import type { Item } from './table.js';

/** Attributes of a new task's item; the names are the wire's (lib/task.ts), kwargs as JSON text. */
export function toItem(task: Task): Item {
  return {
    ...taskKey(task.id),
    id: task.id,
    name: task.name,
    status: task.status,
    kwargs: JSON.stringify(task.kwargs),
    time_queued: task.timeQueued,
    eta: task.eta,
    expiry: task.expiry,
    attempts: task.attempts,
    from_task: task.fromTask,
    lock_id: task.lockId,
    caller: task.caller,
    [INDEX.sortKey]: timeSortKey(task.timeQueued, task.id),
    [INDEX.byJob.pk]: jobIndexKey(task.name, shardOf(task.id)),
    ...statusIndexAttrs(task.id, task.status),
    ...(task.fromTask ? { [INDEX.byParent.pk]: task.fromTask } : {}),
  };
}

/** Bookkeeping attributes that stay off the wire. */
const INTERNAL_FIELDS: readonly (readonly [keyof Task, string])[] = [
  ['leaseUntil', 'lease_until'],
  ['sendError', 'send_error'],
  ['revokeRequested', 'revoke_requested'],
  ['deadLettered', 'dead_lettered'],
  ['resends', 'resends'],
];

/** A task item back to a task; undefined for no item, or one past its TTL (AWS deletes within days, not on time). */
export function fromItem(item: Item | undefined, now = Date.now() / 1000): Task | undefined {
  if (!item || (item.ttl !== undefined && item.ttl < now)) return undefined;
  const task: Task = {
    id: item.id,
    name: item.name,
    status: item.status,
    kwargs: JSON.parse(item.kwargs ?? '{}'),
    timeQueued: item.time_queued,
    attempts: item.attempts ?? 0,
  };
  if (item.result !== undefined) task.result = JSON.parse(item.result);
  if (item.errors !== undefined) task.errors = JSON.parse(item.errors);
  for (const [field, attr] of [...OPTIONAL_FIELDS, ...INTERNAL_FIELDS]) {
    if (item[attr] !== undefined) (task as any)[field] = item[attr];
  }
  return task;
}
