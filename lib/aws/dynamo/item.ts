/**
 * Reading a task back from its items (the layout: lib/task-items.ts, re-exported here for the
 * adapter's modules).
 */
import { jobOfIndexKey, taskIdOfPartition, INDEX } from '../../keys.js';
import { progressOfText, PROGRESS_ATTR } from '../../progress.js';
import type { Task } from '../../task.js';
import { ALL_FIELDS, BODY_ATTR, COST_ATTR, costFromText, type Item, shownCost, STAND_INS } from '../../task-items.js';
import { marksOf } from './outbox-marks.js';

export * from '../../task-items.js';

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
  if (head[PROGRESS_ATTR] !== undefined) task.progress = progressOfText(head[PROGRESS_ATTR]);
  for (const [field, attr] of ALL_FIELDS) {
    const value = attr === 'caller' ? carried.caller : head[attr];
    if (value !== undefined && value !== STAND_INS[attr]) (task as any)[field] = value;
  }
  if (head[INDEX.byParent.pk] !== undefined) task.fromTask = head[INDEX.byParent.pk];
  const cost = costFromText(head[COST_ATTR]);
  if (cost.lambdaMs !== undefined || (cost.sqsRequests ?? 0) > 0) task.cost = shownCost(cost);
  const outbox = marksOf(head);
  if (outbox) task.outbox = outbox;
  return task;
}
