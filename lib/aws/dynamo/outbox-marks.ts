/**
 * The outbox of task events (docs/events.md): a state change of a task whose job sends events
 * marks its event pending in the head, in the same conditional write that changes the state
 * — an attribute `ev_<kind>` holding the time of the change, so no extra write and no
 * transaction. The process that made the change sends the event, then removes the mark
 * (`clearEvents`: one conditional UpdateItem of the head, 1 write unit; a STARTED mark rides
 * on the attempt's finish instead). A mark a crash left behind is found by the reconciler
 * (unready tasks) and by the task message's next delivery (ready ones): lib/tasks/publish.ts.
 */
import { TASK_EVENT_KINDS, type EventMarks, type TaskEventKind } from '../../task-events.js';
import type { Item, TaskTable } from './table.js';

const ATTRS: Record<TaskEventKind, string> = {
  queued: 'ev_queued',
  started: 'ev_started',
  retrying: 'ev_retrying',
  succeeded: 'ev_succeeded',
  failed: 'ev_failed',
  revoked: 'ev_revoked',
  deadLettered: 'ev_dead_lettered',
};

/** The head attribute of a pending event of `kind`. */
export const markAttr = (kind: TaskEventKind): string => ATTRS[kind];

/**
 * The attributes a state write sets to mark its event pending: `{ ev_<kind>: time }` when the
 * store has an outbox and the job sends events, else none. `job` undefined: not known, no mark.
 */
export function outboxMark(table: TaskTable, job: string | undefined, kind: TaskEventKind, time: number): Item {
  return job !== undefined && table.outbox?.(job) ? { [ATTRS[kind]]: time } : {};
}

/** The events pending in a head; undefined when none. */
export function marksOf(head: Item): EventMarks | undefined {
  let marks: EventMarks | undefined;
  for (const kind of TASK_EVENT_KINDS) {
    if (head[ATTRS[kind]] !== undefined) (marks ??= {})[kind] = head[ATTRS[kind]];
  }
  return marks;
}
