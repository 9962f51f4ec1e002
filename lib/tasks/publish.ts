/**
 * When task events are sent (docs/events.md; what an event is: lib/task-events.ts). Every
 * state change of a task whose job has `events: true` is sent by the process that made it,
 * right after its write (`publishChange`); the DynamoDB store marked it pending in the
 * task's outbox in that same write, so a crash between the write and the send leaves the
 * mark, and a later pass sends it (`publishPending`): the reconciler for tasks not ready, the
 * next delivery of the task's message for ready ones. At least once per task and state;
 * consumers deduplicate by `detail.event_id`.
 */
import { taskLogger } from '../log.js';
import { type EventMarks, eventEntry, eventKindOf, stateTime, type TaskEventKind } from '../task-events.js';
import { isReady, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';

/** What sending needs: the store (its outbox), the registry (which jobs send), the publisher. */
export type PublishDeps = Pick<TaskDeps, 'store' | 'clock'> & Partial<Pick<TaskDeps, 'registry' | 'logger' | 'events'>>;

/**
 * Seconds a mark is left to the process that made it before another state change of the task
 * sends it too: that process is sending it now, unless it crashed. A task's last change (a
 * ready state) sends every mark whatever its age, so none outlives the task's run.
 */
export const OUTBOX_GRACE_SECONDS = 30;

/** Whether a job's tasks send events: the job says `events: true` and a publisher is configured. */
export const sendsEvents = (deps: PublishDeps, job: string): boolean =>
  deps.events !== undefined && deps.registry?.get(job)?.events === true;

/** Whether the task has events still to send (after `publishChange` or `publishPending`: those not sent). */
export const eventsPending = (deps: PublishDeps, task: Task): boolean =>
  task.outbox !== undefined && sendsEvents(deps, task.name);

/**
 * Send the events of a state change just written: the marks of the task's outbox — its own,
 * and others a crash left (older than OUTBOX_GRACE_SECONDS, or any once the task is ready) —
 * or, for a task just created (or from a store without an outbox), the event of the state it
 * is in. Sent marks leave the outbox (`store.clearEvents`, when the store has one), unless
 * `keep`: then the caller removes them with a write it makes anyway (an attempt's finish).
 * Returns the marks sent; never throws.
 */
export async function publishChange(deps: PublishDeps, task: Task, keep = false): Promise<EventMarks> {
  if (!sendsEvents(deps, task.name)) return {};
  const own = eventKindOf(task);
  // A task just created carries no outbox: its write marked the state's own event only.
  if (!task.outbox) return send(deps, task, { [own]: stateTime(task) }, keep);
  const before = deps.clock() - OUTBOX_GRACE_SECONDS;
  const marks = pick(task.outbox, (kind, time) => kind === own || isReady(task.status) || time < before);
  return send(deps, task, marks, keep);
}

/**
 * Send the marks of a task's outbox older than `before` (epoch seconds; all without it): a
 * crash or an outage left them. Used by the reconciler (tasks not ready, not held by a live
 * run) and by a delivery that finds its task ready. Returns how many were sent; never throws.
 */
export async function publishPending(deps: PublishDeps, task: Task, before = Number.POSITIVE_INFINITY) {
  if (!task.outbox || !sendsEvents(deps, task.name)) return 0;
  const sent = await send(
    deps,
    task,
    pick(task.outbox, (_, time) => time < before),
    false,
  );
  const count = Object.keys(sent).length;
  if (count && deps.logger)
    taskLogger(deps.logger, task).warn({ events: Object.keys(sent) }, 'pending task events sent late');
  return count;
}

function pick(marks: EventMarks, keep: (kind: TaskEventKind, time: number) => boolean): EventMarks {
  return Object.fromEntries(Object.entries(marks).filter(([kind, time]) => keep(kind as TaskEventKind, time)));
}

/**
 * Send `marks`' events; remove the sent ones from the outbox unless `keep`, and from
 * `task.outbox`, which is left with what is still pending. The marks sent.
 */
async function send(deps: PublishDeps, task: Task, marks: EventMarks, keep: boolean): Promise<EventMarks> {
  const kinds = Object.keys(marks) as TaskEventKind[];
  if (!kinds.length) return {};
  const accepted = await deps.events!.publish(kinds.map((kind) => eventEntry(task, kind, marks[kind]!)));
  const sent = pick(marks, (kind) => accepted[kinds.indexOf(kind)]);
  // The task says what is still pending: a caller holding its message keeps it for them.
  if (task.outbox) {
    const left = pick(task.outbox, (kind) => !(kind in sent));
    task.outbox = Object.keys(left).length ? left : undefined;
  }
  if (!keep && Object.keys(sent).length) {
    await deps.store.clearEvents?.(task.id, sent).catch((err) => {
      // Left pending: sent again later (a duplicate, which event_id lets consumers drop).
      if (deps.logger) taskLogger(deps.logger, task).warn({ err }, 'task events sent; their outbox marks not removed');
    });
  }
  return sent;
}
