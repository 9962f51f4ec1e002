import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';
import { utf8Bytes } from './bytes.js';
import { LIMITS } from './limits.js';
import { isReady, READY_STATUSES, type TaskStatus } from './task.js';

/**
 * Every DynamoDB key and index value, built here and nowhere else.
 *
 * One table, partition key `pk`, sort key `sk`. A task is a partition of items, read
 * together with one Query (docs/storage.md):
 *   task#<id> / head         the task's head: status, times, lease, counters; its kwargs and
 *                            caller too when they fit (lib/task-items.ts)
 *   task#<id> / body#<ref>   its body, when kwargs and caller do not fit the head: written
 *                            once at enqueue, never updated; `ref` is random per write, so
 *                            two writers of one id never overwrite each other's body
 *   task#<id> / fail#<ref>   its fail item, after an attempt that will be retried: that
 *                            attempt's error, stack and the history, written once by its
 *                            finish (a fresh random `ref` each), never updated but its TTL
 * The head names its body (`body`) and its fail item (`fail`): its side items. Any other
 * body or fail item in the partition (a crash's, a lost race's, an earlier attempt's) is
 * no task's: reads pass it over and its TTL removes it.
 *   lock#<lockId> / lock     a non-overlap lock: { task_id }
 *   sched#<job> / sched      a periodic job's schedule entry
 *   jobs / jobs              the job names that have tasks (`names`, a string set): what a
 *                            listing by status alone walks
 *   flow#<id> / flow         a workflow: its shape (lib/workflow.ts); its tasks are task items
 *   join#<id> / join         a workflow's join: how many of its shards are fully counted
 *   join#<id>#<k> / join     one shard of the join: the members k*JOIN_SHARD… it counted
 *
 * Two KEYS_ONLY global secondary indexes serve `get_tasks`; listings read the keys there
 * and the heads (and their side items) from the table. KEYS_ONLY means an update that does not change
 * an index key writes nothing to that index.
 *   by_job     gsi_job    = <job>#<group>#<shard>  sort gsi_time  (re-keyed once, at the end)
 *   by_parent  gsi_parent = <from_task>            sort gsi_time  (sparse: sub-tasks only)
 * The group is the status for a ready task and PENDING for QUEUED, RETRY, STARTED and WAITING:
 * a claim, or a WAITING task's release or suspension, re-keys nothing (a changed key costs a delete and a put in the index), and a listing of
 * one unready status filters the pending group. One index for job and status makes a task's
 * index writes 3 (a put at enqueue, a delete and a put at the end), where an index each
 * made 4: a listing by status alone pays for it, with one query per job name and shard.
 * A job name or a status as a bare partition key would put every task of a busy job, or
 * every queued task, on one hot key; spreading each over SHARDS keys keeps writes under
 * one partition's 1,000 WCU/s per key and costs a listing SHARDS small queries.
 */
export const SHARDS = 8;

export const INDEX = {
  byJob: { name: 'by_job', pk: 'gsi_job' },
  byParent: { name: 'by_parent', pk: 'gsi_parent' },
  sortKey: 'gsi_time',
} as const;

/** The sort key of a task's head. */
export const HEAD_SK = 'head';
const BODY_SK = 'body#';
const FAIL_SK = 'fail#';

/** The partition key value of a task's items. */
export const taskPartition = (id: string) => `task#${id}`;
/** The task id of a partition key value (`task#<id>`). */
export const taskIdOfPartition = (pk: string) => pk.slice('task#'.length);
/** A task's head. */
export const taskKey = (id: string) => ({ pk: taskPartition(id), sk: HEAD_SK });
/** A task's body written under `ref`. */
export const bodyKey = (id: string, ref: string) => ({ pk: taskPartition(id), sk: `${BODY_SK}${ref}` });
/** A task's fail item written under `ref`. */
export const failKey = (id: string, ref: string) => ({ pk: taskPartition(id), sk: `${FAIL_SK}${ref}` });
export const lockKey = (lockId: string) => ({ pk: `lock#${lockId}`, sk: 'lock' });
export const scheduleKey = (job: string) => ({ pk: `sched#${job}`, sk: 'sched' });
/** The item listing the job names that have tasks. */
export const JOBS_KEY = { pk: 'jobs', sk: 'jobs' } as const;
export const workflowKey = (id: string) => ({ pk: `flow#${id}`, sk: 'flow' });
/** The join's top item (no shard), or shard `shard` of it. */
export const joinKey = (id: string, shard?: number) => ({
  pk: shard === undefined ? `join#${id}` : `join#${id}#${shard}`,
  sk: 'join',
});

/**
 * Members a join shard counts. A shard item holds the set of its members already counted
 * (each marker a number under 200: 2-3 bytes), so it stays under 1 KB and a count costs
 * one write unit; the join's top item counts full shards the same way (lib/workflow-store.ts).
 */
export const JOIN_SHARD = 200;

/**
 * Task ids, and who may choose them. A caller may give an id (`queue_task`, the clients, a
 * producer message's `id`): 1–128 characters of `A-Z a-z 0-9 _ . -`, not dots alone (`.`,
 * `..`: the id is a path segment of its S3 keys, `tasks/<id>/…`, which HTTP clients and
 * S3 normalize away — RFC 3986 §5.2.4 — so a presigned URL would not match its signature
 * and an object would land outside its task's prefix). A colon marks an id
 * skytask derived, which no caller can give, so no one can take one over by writing it
 * before skytask does: a periodic run's `<job>:<UTC stamp>` (periodicTaskId) and a
 * producer message's without an id, `sqs:<SQS message id>` (producerTaskId). Any other id
 * skytask chooses is a random UUID. Every task id, derived ones too, matches
 * `LIMITS.idPattern`, which a task message's `id` is checked against.
 */
export const DERIVED_ID_MARK = ':';

/** The rule a caller-given id breaks, as ValidationError's message (-32602) and a dead letter's reason. */
export const CALLER_ID_RULE = `id must be 1-128 characters of A-Z a-z 0-9 _ . -, not dots alone ("." and ".." are path segments S3 keys lose), and no "${DERIVED_ID_MARK}" (it marks the ids skytask derives)`;

/**
 * Whether `id` is one a caller may give (see DERIVED_ID_MARK): `LIMITS.idPattern` without
 * the colon, and not dots alone (a `.` or `..` path segment). A derived id always has a
 * colon after a non-empty name, so it is never dots alone either.
 */
export function isCallerTaskId(id: unknown): id is string {
  return typeof id === 'string' && LIMITS.idPattern.test(id) && !id.includes(DERIVED_ID_MARK) && !/^\.+$/.test(id);
}

/**
 * The task id of a periodic job's run at `slot` (epoch seconds): the job and the slot's
 * UTC time, e.g. `testperiodic:20260101T100000Z`. Derived, never random, so that a fire
 * repeated for the same slot (an EventBridge retry, a second local scheduler) queues
 * nothing new; its colon keeps callers from giving it first. A job name too long for the
 * 128-character id is hashed.
 */
export function periodicTaskId(job: string, slot: number): string {
  const stamp = new Date(Math.round(slot * 1000)).toISOString().replace(/[-:]/g, '').replace('.000Z', 'Z');
  const id = `${job}${DERIVED_ID_MARK}${stamp}`;
  return id.length <= 128
    ? id
    : `${createHash('sha256').update(job).digest('hex').slice(0, 40)}${DERIVED_ID_MARK}${stamp}`;
}

/**
 * The task id of a producer message without one, `sqs:<SQS message id>`: the same across
 * redeliveries of that message, and one no caller can give (SQS assigns the message id).
 */
export const producerTaskId = (messageId: string) => `sqs${DERIVED_ID_MARK}${messageId}`.slice(0, 128);

/**
 * The tasks of a workflow have ids derived from its id, so that each is written once
 * (queueing the workflow again writes nothing new) and a task's id says which workflow it
 * belongs to without a field on the task: `<workflow>:<n>` for the n-th step or member
 * (from 0), `<workflow>:callback` for a chord's callback, `<workflow>:error` for the error
 * path. A caller's workflow id has no colon (isCallerTaskId) and at most
 * `LIMITS.workflowIdLength` characters, so these fit 128.
 */
export const workflowTaskId = (workflowId: string, index: number) => `${workflowId}${DERIVED_ID_MARK}${index}`;
export const callbackTaskId = (workflowId: string) => `${workflowId}${DERIVED_ID_MARK}callback`;
export const errorTaskId = (workflowId: string) => `${workflowId}${DERIVED_ID_MARK}error`;

/**
 * The workflow of a parent's children (`ctx.awaitChildren`): `<parent>:children`, derived so
 * that a parent run again after a crash finds its children queued already. A parent id too
 * long for it is hashed.
 */
export function childrenWorkflowId(parentId: string): string {
  const id = `${parentId}${DERIVED_ID_MARK}children`;
  return id.length <= LIMITS.workflowIdLength
    ? id
    : `${createHash('sha256').update(parentId).digest('hex').slice(0, 40)}${DERIVED_ID_MARK}children`;
}

/** What a task id says of its workflow: a step or member's index, or its callback or error path. */
export type WorkflowRole = { workflowId: string; index: number } | { workflowId: string; role: 'callback' | 'error' };

/**
 * The workflow a task belongs to, read from its id (see workflowTaskId), or undefined. No
 * other id skytask derives ends that way: a periodic run's ends with a `Z` stamp, a producer
 * message's with an SQS message id (a UUID), and a caller's id has no colon.
 */
export function workflowRoleOf(taskId: string): WorkflowRole | undefined {
  const at = taskId.lastIndexOf(DERIVED_ID_MARK);
  if (at <= 0) return undefined;
  const workflowId = taskId.slice(0, at);
  const tail = taskId.slice(at + 1);
  if (tail === 'callback' || tail === 'error') return { workflowId, role: tail };
  return /^(0|[1-9]\d{0,5})$/.test(tail) ? { workflowId, index: Number(tail) } : undefined;
}

/** Stable small hash of a task id → its shard. */
export function shardOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS;
}

export const statusGroup = (status: TaskStatus): string => (isReady(status) ? status : 'PENDING');
/** The status groups: PENDING, then each ready status. */
export const STATUS_GROUPS: readonly string[] = ['PENDING', ...READY_STATUSES];
/** `by_job`'s partition key value: the job, its status group, a shard. */
export const jobIndexKey = (job: string, group: string, shard: number) => `${job}#${group}#${shard}`;
/** The job name in a `by_job` key (names have no `#`: LIMITS.idPattern). */
export const jobOfIndexKey = (key: string) => key.slice(0, key.indexOf('#'));

/** Sort key: time queued in milliseconds, fixed width, then the id to break ties. */
export function timeSortKey(timeQueued: number, id: string): string {
  return `${String(Math.round(timeQueued * 1000)).padStart(14, '0')}#${id}`;
}

/**
 * `get_tasks`' cursor, opaque to callers: the sort key of the last index entry a page read.
 * Both stores (DynamoDB and in memory) page by it, so their cursors are the same.
 */
export function encodeCursor(sortKey: string): string {
  return Buffer.from(JSON.stringify({ k: sortKey })).toString('base64url');
}

/** The cursor that resumes a listing after the task queued at `timeQueued` with this `id` (its index sort key). */
export const cursorAfter = (timeQueued: number, id: string) => encodeCursor(timeSortKey(timeQueued, id));

/** The sort key in a cursor. Throws ValidationError (-32602) for a cursor `get_tasks` did not return. */
export function decodeCursor(cursor: string): string {
  try {
    const { k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // The sort key goes into a key condition: DynamoDB refuses one over its 1,024 bytes.
    if (typeof k === 'string' && /^\d{14}#/.test(k) && utf8Bytes(k) <= LIMITS.sortKeyBytes) return k;
  } catch {
    /* fall through */
  }
  throw new ValidationError('cursor is not one that get_tasks returned');
}

/** The `by_job` attribute of task `id` of job `job` in `status`. */
export function jobIndexAttrs(id: string, job: string, status: TaskStatus) {
  return { [INDEX.byJob.pk]: jobIndexKey(job, statusGroup(status), shardOf(id)) };
}

/** JSON with object keys sorted at every level: equal kwargs give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/**
 * The non-overlap lock id: a hash of the job name and the canonical kwargs. (Pulsar
 * hashed the queue's name instead of the job's, so two jobs with equal kwargs blocked
 * each other.)
 */
export function lockIdFor(job: string, kwargs: Record<string, unknown>): string {
  return createHash('sha256').update(job).update('\0').update(canonicalJson(kwargs)).digest('hex').slice(0, 40);
}

/**
 * Per-key limits (lib/permit-store.ts), keyed by a key's hash (lib/key-limits.ts: 40 hex
 * characters, whatever the caller's key): a permit of a concurrency limit, and a rate
 * limit's window of starts (`sk`: the window's start, epoch seconds).
 *   permit#<key> / <index>    { holder, task_id, since, lease_until, last_seconds, ttl }
 *   rate#<key> / <window>     { n, ttl }
 *   park#<key> / <order>      { token }: a task parked for a permit (lib/park-store.ts);
 *                             `order` is its time queued and id (timeSortKey), so a Query
 *                             of the partition gives the key's parked tasks oldest first
 */
export const permitPartition = (key: string) => `permit#${key}`;
export const permitKey = (key: string, index: number) => ({
  pk: permitPartition(key),
  sk: String(index).padStart(4, '0'),
});
export const windowKey = (key: string, window: number) => ({ pk: `rate#${key}`, sk: String(window) });
export const parkPartition = (key: string) => `park#${key}`;
export const parkKey = (key: string, order: string) => ({ pk: parkPartition(key), sk: order });
/** The task id in a park item's `order` (timeSortKey: 14 digits, `#`, the id). */
export const taskIdOfOrder = (order: string) => order.slice(order.indexOf('#') + 1);
