/**
 * Vocabulary
 *
 * - **job**: a named, registered piece of code (`defineJob`), like a function definition.
 * - **task**: one request to run a job with some kwargs; it has an id, a status and,
 *   once ready, exactly one recorded outcome (result or error).
 * - **attempt**: one run of a task's job body. A claim starts an attempt; `attempts`
 *   counts them. A crashed run is retried as a new attempt.
 * - **lease**: how long a claim is exclusive (`lease_until`). A duplicate delivery that
 *   finds a live lease does not run the job; one that finds an expired lease reclaims
 *   the task as a new attempt (the old run is presumed dead).
 * - **lock**: the non-overlap lock of a job that cannot overlap; one lock item per
 *   (job, canonical kwargs), pointing at the task that holds it.
 * - **slot**: one scheduled time of a periodic job; a run is queued per slot, its task id
 *   derived from the job and the slot.
 * - **schedule entry**: the run bookkeeping of a periodic job (last slot, run count).
 * - **workflow**: tasks queued as one unit (lib/workflow.ts): a chain, a group, or a chord
 *   (a group and a callback). A task of a workflow that must wait for others (a chain's
 *   later step, a chord's callback, a parent awaiting its children) is **WAITING**: idle
 *   but not claimable, with no message, until what it waits for ends.
 */

import type { EventMarks } from './task-events.js';
import type { TaskProgress } from './progress.js';
import type { Priority } from './priority.js';

export const TaskStatus = {
  QUEUED: 'QUEUED',
  STARTED: 'STARTED',
  RETRY: 'RETRY',
  /** Waits for other tasks to end (a chain's earlier step, a chord's members, its children): no message, not claimable. */
  WAITING: 'WAITING',
  REVOKED: 'REVOKED',
  FAILURE: 'FAILURE',
  SUCCESS: 'SUCCESS',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const ALL_STATUSES = Object.values(TaskStatus) as TaskStatus[];
/** A ready task does not change again. */
export const READY_STATUSES: readonly TaskStatus[] = ['SUCCESS', 'FAILURE', 'REVOKED'];
/** Statuses whose task still needs a run: the ones a message must exist for (a WAITING task has none until released). */
export const UNREADY_STATUSES: readonly TaskStatus[] = ['QUEUED', 'RETRY', 'STARTED'];

export function isReady(status: TaskStatus): boolean {
  return READY_STATUSES.includes(status);
}

/**
 * No live run holds the task at `now` (epoch seconds): waiting for a run (QUEUED, RETRY), or
 * STARTED by a run whose lease has lapsed. The stores' idle condition, as a predicate.
 */
export const isIdle = (task: Pick<Task, 'status' | 'leaseUntil'>, now: number): boolean =>
  task.status === 'QUEUED' ||
  task.status === 'RETRY' ||
  (task.status === 'STARTED' && task.leaseUntil !== undefined && task.leaseUntil < now);

/** Why a task whose expiry passed before its run ends REVOKED; the earlier attempts' errors stay in its history. */
export const expiredReason = (task: Pick<Task, 'attempts'>) =>
  task.attempts ? `expired before attempt ${task.attempts + 1} could start` : 'expired before it started';

export function isStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (ALL_STATUSES as string[]).includes(value);
}

/** A task as the library sees it (camelCase). Times are epoch seconds, fractional. */
export interface Task {
  id: string;
  name: string;
  status: TaskStatus;
  kwargs: Record<string, unknown>;
  result?: unknown;
  error?: string;
  stack?: string;
  timeQueued: number;
  /** When the task becomes due, if it was queued with a delay. */
  eta?: number;
  timeStarted?: number;
  timeEnded?: number;
  /** A task not started by then is REVOKED, never run. */
  expiry?: number;
  attempts: number;
  fromTask?: string;
  lockId?: string;
  /** Who asked: the caller's identity as the entry point saw it. */
  caller?: string;
  worker?: string;
  leaseUntil?: number;
  /** Set when the message send failed after the record was written. */
  sendError?: string;
  /** The error of every attempt that failed, the final one's included, oldest first (the last 10, each cut short). */
  errors?: AttemptError[];
  /** A revoke was asked while the task ran: the run is told to stop. */
  revokeRequested?: boolean;
  /** The task failed because its message kept failing and went to the dead-letter queue. */
  deadLettered?: boolean;
  /** How many times the reconciler sent the task's message again. */
  resends?: number;
  /** WAITING for a permit of its concurrency key (the key's hash): parked (docs/limits.md#parking). Cleared by its release. */
  parked?: string;
  /** What the task consumed so far: its enqueue's write units and send, then each finish's share (absent on the task as built). */
  cost?: TaskCost;
  /** Its events not sent yet, in its outbox (a store with one: docs/events.md); never on the wire. */
  outbox?: EventMarks;
  /** How far its run got, as the job last reported it (`ctx.progress`; lib/progress.ts). */
  progress?: TaskProgress;
  /** The W3C trace context it was queued in (lib/trace.ts): its run continues that trace. */
  traceparent?: string;
  /** The lane its messages go to (docs/routing.md), when not `default`: the call's or the job's. */
  priority?: Priority;
}

/**
 * What a task consumed, summed over its attempts; each finish adds its attempt's share in
 * its own write. How each figure is counted, and which are estimates: docs/cost.md.
 */
export interface TaskCost {
  /** DynamoDB write request units: its items and their index entries, from enqueue to its last finish. */
  writeUnits: number;
  /** SQS requests: its send, its share of the batches that received and deleted it, heartbeats' visibility changes. */
  sqsRequests: number;
  /** Lambda invocations: its share of the consumer batches that ran it. */
  lambdaRequests: number;
  /** Milliseconds its attempts ran, claim to finish. */
  lambdaMs: number;
  /** On AWS: the run time × the consumer function's memory, in GB-seconds. */
  gbSeconds?: number;
  heartbeats: number;
}

/** The wire form of a task's cost. */
export interface TaskCostWire {
  write_units: number;
  sqs_requests: number;
  lambda_requests: number;
  lambda_ms: number;
  gb_seconds: number | null;
  heartbeats: number;
}

export interface AttemptError {
  attempt: number;
  error: string;
  time: number;
}

/** The JSON-RPC / wire shape of a task: snake_case, Pulsar's names. */
export interface TaskWire {
  id: string;
  name: string;
  status: TaskStatus;
  kwargs: Record<string, unknown>;
  result: unknown;
  error: string | null;
  stack?: string;
  time_queued: number;
  eta: number | null;
  time_started: number | null;
  time_ended: number | null;
  expiry: number | null;
  attempts: number;
  from_task: string | null;
  lock_id: string | null;
  caller: string | null;
  worker: string | null;
  /** The error of every attempt that failed, the final one's included: `[{ attempt, error, time }]`. */
  errors: AttemptError[];
  revoke_requested: boolean;
  dead_lettered: boolean;
  /** What the task consumed so far, once its enqueue recorded it (null in queue_task's answer: docs/cost.md). */
  cost: TaskCostWire | null;
  /** How far its run got, as the job last reported it: `{ value, message? }` (lib/progress.ts). */
  progress: TaskProgress | null;
  /** The W3C trace context it was queued in (lib/trace.ts). */
  traceparent: string | null;
  /** `high`, `default` or `low` (docs/routing.md). */
  priority: Priority;
}

/** The one place that maps a task to the wire. */
export function toWire(task: Task): TaskWire {
  const wire: TaskWire = {
    id: task.id,
    name: task.name,
    status: task.status,
    kwargs: task.kwargs,
    result: task.result ?? null,
    error: task.error ?? null,
    time_queued: task.timeQueued,
    eta: task.eta ?? null,
    time_started: task.timeStarted ?? null,
    time_ended: task.timeEnded ?? null,
    expiry: task.expiry ?? null,
    attempts: task.attempts,
    from_task: task.fromTask ?? null,
    lock_id: task.lockId ?? null,
    caller: task.caller ?? null,
    worker: task.worker ?? null,
    errors: task.errors ?? [],
    revoke_requested: task.revokeRequested ?? false,
    dead_lettered: task.deadLettered ?? false,
    cost: task.cost ? costToWire(task.cost) : null,
    progress: task.progress ?? null,
    traceparent: task.traceparent ?? null,
    priority: task.priority ?? 'default',
  };
  if (task.stack !== undefined) wire.stack = task.stack;
  return wire;
}

/**
 * The optional task fields that travel as they are, with their snake_case names: on the
 * wire and as DynamoDB attributes alike.
 */
export const OPTIONAL_FIELDS: readonly (readonly [keyof Task, keyof TaskWire])[] = [
  ['error', 'error'],
  ['stack', 'stack'],
  ['eta', 'eta'],
  ['timeStarted', 'time_started'],
  ['timeEnded', 'time_ended'],
  ['expiry', 'expiry'],
  ['fromTask', 'from_task'],
  ['lockId', 'lock_id'],
  ['caller', 'caller'],
  ['worker', 'worker'],
  ['traceparent', 'traceparent'],
  ['priority', 'priority'],
];

/**
 * The wire back to a task (the HTTP client). Null and empty fields become absent, so
 * `fromWire(toWire(task))` is the task without its internal bookkeeping (lease, resends,
 * send error): the public view both clients return.
 */
export function fromWire(wire: TaskWire): Task {
  const task: Task = {
    id: wire.id,
    name: wire.name,
    status: wire.status,
    kwargs: wire.kwargs ?? {},
    timeQueued: wire.time_queued,
    attempts: wire.attempts ?? 0,
  };
  if (wire.result !== null && wire.result !== undefined) task.result = wire.result;
  for (const [field, key] of OPTIONAL_FIELDS) {
    if (wire[key] !== null && wire[key] !== undefined) (task as unknown as Record<string, unknown>)[field] = wire[key];
  }
  if (wire.errors?.length) task.errors = wire.errors;
  if (wire.revoke_requested) task.revokeRequested = true;
  if (wire.dead_lettered) task.deadLettered = true;
  if (wire.cost) task.cost = costFromWire(wire.cost);
  if (wire.progress) task.progress = wire.progress;
  // `default` is no priority recorded (toWire's default).
  if (task.priority === 'default') delete task.priority;
  return task;
}

function costToWire(cost: TaskCost): TaskCostWire {
  return {
    write_units: cost.writeUnits,
    sqs_requests: cost.sqsRequests,
    lambda_requests: cost.lambdaRequests,
    lambda_ms: cost.lambdaMs,
    gb_seconds: cost.gbSeconds ?? null,
    heartbeats: cost.heartbeats,
  };
}

function costFromWire(wire: TaskCostWire): TaskCost {
  const cost: TaskCost = {
    writeUnits: wire.write_units,
    sqsRequests: wire.sqs_requests,
    lambdaRequests: wire.lambda_requests,
    lambdaMs: wire.lambda_ms,
    heartbeats: wire.heartbeats,
  };
  if (wire.gb_seconds !== null && wire.gb_seconds !== undefined) cost.gbSeconds = wire.gb_seconds;
  return cost;
}
