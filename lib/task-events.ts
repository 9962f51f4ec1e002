/**
 * Task events: a task's state changes as EventBridge events (docs/events.md), Pulsar's
 * task_queued / task_started / task_done broadcast done the AWS way. This file says what an
 * event is — its kind, detail-type, detail and PutEvents entry —; lib/tasks/publish.ts says
 * when one is sent, and the outbox (lib/aws/dynamo/outbox.ts) how it survives a crash.
 */
import { EVENTBRIDGE_LIMITS, entryBytes, type PutEventsEntry } from './aws-rules/eventbridge.js';
import { truncateBytes } from './limits.js';
import type { Task } from './task.js';
import { xrayOfTraceparent } from './trace.js';

/** Every event's `source`. */
export const TASK_EVENT_SOURCE = 'skytask';

/** The kinds of event and their `detail-type`s: the exact list. */
export const TASK_EVENTS = {
  queued: 'Task Queued',
  started: 'Task Started',
  retrying: 'Task Retrying',
  succeeded: 'Task Succeeded',
  failed: 'Task Failed',
  revoked: 'Task Revoked',
  deadLettered: 'Task Dead-Lettered',
} as const;
export type TaskEventKind = keyof typeof TASK_EVENTS;
export const TASK_EVENT_KINDS = Object.keys(TASK_EVENTS) as TaskEventKind[];

/** A task's events pending in its outbox: kind → the time of its state change (epoch seconds). */
export type EventMarks = Partial<Record<TaskEventKind, number>>;

/** The kind of event a task's current state is (a FAILURE whose message was dead-lettered: `deadLettered`). */
export function eventKindOf(task: Pick<Task, 'status' | 'deadLettered'>): TaskEventKind {
  switch (task.status) {
    case 'QUEUED':
    // A workflow's task recorded up front (docs/workflows.md): queued, in its workflow; its
    // release to the queue is no new state change of the task's own.
    case 'WAITING':
      return 'queued';
    case 'STARTED':
      return 'started';
    case 'RETRY':
      return 'retrying';
    case 'SUCCESS':
      return 'succeeded';
    case 'REVOKED':
      return 'revoked';
    default:
      return task.deadLettered ? 'deadLettered' : 'failed';
  }
}

/** When a task entered its current state (epoch seconds). */
export function stateTime(task: Task): number {
  if (task.status === 'STARTED') return task.timeStarted ?? task.timeQueued;
  if (task.status === 'QUEUED') return task.timeQueued;
  return task.timeEnded ?? task.timeQueued;
}

/**
 * An event's `detail` (snake_case, the wire's names: `name` is the job). `event_id` is stable
 * across re-sends — the task id, the kind and the time of the state change — and is the
 * dedupe key: delivery is at least once.
 */
export interface TaskEventDetail {
  event_id: string;
  id: string;
  name: string;
  /** The state the event reports (a late event may find the task in a later one). */
  status: string;
  attempt: number;
  /** When the state change happened. */
  time: number;
  time_queued: number;
  time_started: number | null;
  time_ended: number | null;
  eta: number | null;
  from_task: string | null;
  /** SUCCESS: the result, when the entry fits EventBridge's 256 KB. */
  result?: unknown;
  /** SUCCESS: the result's JSON text cut to fit, ending with `… [truncated]`, when the whole did not. */
  result_truncated?: string;
  /** FAILURE, REVOKED, RETRY: the error of the last attempt (≤ 4 KB: lib/limits.ts). */
  error?: string | null;
}

const STATUS_OF: Record<TaskEventKind, string> = {
  queued: 'QUEUED',
  started: 'STARTED',
  retrying: 'RETRY',
  succeeded: 'SUCCESS',
  failed: 'FAILURE',
  revoked: 'REVOKED',
  deadLettered: 'FAILURE',
};

/** The detail of the event of `kind` that happened at `time`, from the task as it is now. */
export function eventDetail(task: Task, kind: TaskEventKind, time: number): TaskEventDetail {
  const detail: TaskEventDetail = {
    event_id: `${task.id}/${kind}/${time}`,
    id: task.id,
    name: task.name,
    status: STATUS_OF[kind],
    attempt: task.attempts,
    time,
    time_queued: task.timeQueued,
    time_started: task.timeStarted ?? null,
    time_ended: task.timeEnded ?? null,
    eta: task.eta ?? null,
    from_task: task.fromTask ?? null,
  };
  if (kind === 'succeeded') detail.result = task.result ?? null;
  else if (kind !== 'queued' && kind !== 'started') detail.error = task.error ?? null;
  return detail;
}

/**
 * The PutEvents entry of an event (without its bus), within EventBridge's 256 KB as it counts
 * an entry (`entryBytes`): a result too large for it is sent as `result_truncated`, its JSON
 * text cut to what fits.
 */
export function eventEntry(task: Task, kind: TaskEventKind, time: number): PutEventsEntry {
  const detail = eventDetail(task, kind, time);
  const entry: PutEventsEntry = {
    Source: TASK_EVENT_SOURCE,
    DetailType: TASK_EVENTS[kind],
    Time: new Date(time * 1000),
  };
  // The task's trace (its enqueue's context), which EventBridge hands on to the rule's targets.
  const traceHeader = xrayOfTraceparent(task.traceparent);
  if (traceHeader) entry.TraceHeader = traceHeader;
  const whole = { ...entry, Detail: JSON.stringify(detail) };
  if (entryBytes(whole) <= EVENTBRIDGE_LIMITS.entryBytes) return whole;
  const resultJson = JSON.stringify(detail.result);
  detail.result = undefined;
  detail.result_truncated = '';
  const room = EVENTBRIDGE_LIMITS.entryBytes - entryBytes({ ...entry, Detail: JSON.stringify(detail) });
  detail.result_truncated = truncateBytes(resultJson, room, true);
  return { ...entry, Detail: JSON.stringify(detail) };
}
