/**
 * Reading a task back from its items (the layout: lib/task-items.ts and lib/task-side-items.ts,
 * re-exported here for the adapter's modules).
 */
import { jobOfIndexKey, taskIdOfPartition, INDEX } from '../../keys.js';
import { progressOfText, PROGRESS_ATTR } from '../../progress.js';
import type { Task } from '../../task.js';
import { ALL_FIELDS, COST_ATTR, costFromText, type Item, shownCost, STAND_INS } from '../../task-items.js';
import { BODY_ATTR, type SideItems, withFailure } from '../../task-side-items.js';
import { marksOf } from './outbox-marks.js';

export * from '../../task-items.js';
export * from '../../task-side-items.js';

/**
 * The task of a head and the side items it names (its body, its fail item: `sidesOf`);
 * undefined for none, or past its TTL (AWS deletes within days). The fail item's error, stack
 * and history fill those the head lacks (`withFailure`). Throws for a head whose body is missing.
 */
export function fromItems(head: Item | undefined, sides: SideItems = {}, now = Date.now() / 1000): Task | undefined {
  if (!head || (head.ttl !== undefined && head.ttl < now)) return undefined;
  const carried = head[BODY_ATTR] === undefined ? head : sides.body;
  if (!carried) throw new Error(`task ${head.pk}: its body item ${head[BODY_ATTR]} is missing`);
  head = withFailure(head, sides.fail);
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
  const cost = shownCost(costFromText(head[COST_ATTR]));
  if (cost) task.cost = cost;
  const outbox = marksOf(head);
  if (outbox) task.outbox = outbox;
  return task;
}
