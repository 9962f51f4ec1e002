import { randomUUID } from 'node:crypto';
import { billedRequests } from '../aws-rules/sqs.js';
import { mapSettled } from '../concurrency.js';
import { ConflictError, TaskExistsError, ValidationError } from '../errors.js';
import { canOverlap } from '../job.js';
import { taskLimits } from '../key-limits.js';
import { canonicalJson, lockIdFor } from '../keys.js';
import { taskLogger } from '../log.js';
import { DEFAULT_PRIORITY } from '../priority.js';
import { type AcceptedUpload, dropObjects, kwargsCap, loadKwargs, offloadKwargs } from '../payloads/claim-check.js';
import type { Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { takeLock } from './lock.js';
import { publishChange } from './publish.js';
import { ambientTraceparent, checkTraceparent } from '../trace.js';
import { checkKwargs, checkOptions, type QueueTaskOptions } from './options.js';
import { needsTimer, sendTaskMessage, sendTaskMessages } from './send.js';

/** One task of a `queueTasks` call. */
export interface QueueTaskItem {
  job: string;
  kwargs?: unknown;
  options?: QueueTaskOptions;
}

/** One item's outcome: the task (null when non-overlap held it back), or that item's error. */
export type QueueTaskResult = { ok: true; task: Task | null } | { ok: false; error: Error };

/** A recorded task; `created` false when the caller's id existed already (that task is the answer). */
export interface Recorded {
  task: Task;
  created: boolean;
}

/**
 * What skytask's own entry points add to a request, which no caller can: the id skytask
 * derived (a periodic run's, a producer message's without one: lib/keys.ts), and when a
 * producer sent its message (epoch seconds: expiry counts from it).
 */
export interface RequestOrigin {
  derivedId?: string;
  sentAt?: number;
  /** The task's share of the send request its message will go in (its cost). @default 1 */
  sendShare?: number;
  /**
   * The UTF-8 bytes of the message a producer sent for it (its body; its attributes are not
   * seen): that send is billed a request per 64 KB chunk (`billedRequests`), its cost instead
   * of `sendShare`. skytask's own messages are under a chunk even ten to a batch.
   */
  sendBytes?: number;
  /** The caller's upload the kwargs came from (`queue_task`'s `kwargs_ref`, read by `readUpload`). */
  upload?: AcceptedUpload;
}

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * The new task's record, before it is written (stored: the kwargs' JSON, the schema's
 * input), and its kwargs' JSON text. The checks of `recordTask`: throws ValidationError for
 * an unknown job, bad kwargs or options.
 */
export async function buildTask(
  deps: TaskDeps,
  jobName: string,
  kwargs: unknown,
  options: QueueTaskOptions,
  origin: RequestOrigin,
): Promise<{ task: Task; text: string }> {
  const now = origin.sentAt ?? deps.clock();
  const job = deps.registry.require(jobName);
  const args = await checkKwargs(kwargs, job.schema, kwargsCap(deps));
  const eta = checkOptions(options, now);
  // A limit's key is the caller's data: a key function that throws or gives no key refuses the task now.
  taskLimits(job, args.value);
  if (!deps.timer && needsTimer(deps, eta)) {
    throw new ValidationError(
      `tasks due more than ${deps.maxQueueDelay} s ahead need a timer (on AWS: SKYTASK_TIMER_GROUP, SKYTASK_TIMER_ROLE_ARN, SKYTASK_QUEUE_ARN)`,
    );
  }
  // Pulsar: an `expiry` option of 0 expires the task when it is due; a job's `expires` of 0 is none.
  const expiresIn = options.expiry ?? (job.expires || undefined);
  // Recorded when not `default`: the lane every message of the task goes to (lib/tasks/send.ts).
  const priority = options.priority ?? job.priority;
  const task: Task = withoutUndefined({
    id: origin.derivedId ?? options.id ?? randomUUID(),
    name: job.name,
    status: 'QUEUED',
    kwargs: args.json,
    timeQueued: now,
    eta,
    expiry: expiresIn !== undefined ? (eta ?? now) + expiresIn : undefined,
    attempts: 0,
    fromTask: options.fromTask,
    lockId: canOverlap(job, args.value) ? undefined : lockIdFor(job.name, args.json),
    caller: options.caller,
    traceparent: options.traceparent !== undefined ? checkTraceparent(options.traceparent) : ambientTraceparent(),
    priority: priority === DEFAULT_PRIORITY ? undefined : priority,
  });
  return { task, text: args.text };
}

/**
 * Whether `task` was queued for this request: the same job and the same kwargs (canonical
 * JSON, so key order does not count). Timing options (`delay`, `eta`, `expiry`) and who
 * asked are not part of it: a retried call with `delay` computes another due time, and the
 * first call's stands.
 */
export function isSameRequest(task: Pick<Task, 'name' | 'kwargs'>, job: string, kwargs: unknown): boolean {
  return task.name === job && canonicalJson(task.kwargs) === canonicalJson(kwargs);
}

/**
 * The answer when the new task's id exists: that task if it is the same request (idempotent
 * enqueue), else ConflictError (→ -32003, `data.task`): a task id names one request, so
 * nothing queued under an existing id changes the task it names.
 */
async function existingAnswer(deps: TaskDeps, existing: Task, task: Task): Promise<Recorded> {
  // Kwargs kept in the payload bucket are compared as they are: read back.
  const kwargs = await loadKwargs(deps, existing);
  if (isSameRequest({ ...existing, kwargs }, task.name, task.kwargs)) return { task: existing, created: false };
  const what = existing.name === task.name ? ' with other kwargs' : `, not "${task.name}"`;
  throw new ConflictError(
    `task ${existing.id} exists for job "${existing.name}"${what}: a task id names one request`,
    existing,
  );
}

/**
 * Check and write a new task's record, taking its non-overlap lock first when the job
 * cannot overlap. Sends nothing. `origin` is what skytask's own entry points add (a
 * derived id, a producer message's send time); callers' ids come in `options.id`.
 *
 * An id that exists answers that task (`created` false) when it is the same request
 * (isSameRequest), and throws ConflictError otherwise, leaving it as it was. Returns null
 * when the lock is held by an unfinished equal task. Throws ValidationError (unknown job,
 * bad kwargs — including kwargs the job's schema refuses — or options, a caller id with a
 * colon) before anything is written.
 */
export async function recordTask(
  deps: TaskDeps,
  jobName: string,
  kwargs: unknown,
  options: QueueTaskOptions = {},
  origin: RequestOrigin = {},
): Promise<Recorded | null> {
  const { task, text } = await buildTask(deps, jobName, kwargs, options, origin);
  const lookFirst = origin.derivedId !== undefined || options.id !== undefined;
  const sendShare = origin.sendBytes === undefined ? origin.sendShare : billedRequests(origin.sendBytes);
  return writeTask(deps, task, lookFirst, sendShare, { text, upload: origin.upload });
}

/**
 * Write a built task (`buildTask`): its lock first when it has one, then its kwargs to the
 * payload bucket when over the item budget (`payload`: their JSON text, or the caller's
 * upload they came from), then the record; an id that exists answers as `recordTask` says.
 * With `lookFirst`, the id is looked up before the lock is taken (an id that may exist: a
 * caller's, a derived one); without, a taken id is found by the create's condition.
 * `sendShare`: the task's share of the send request its message will go in (its cost;
 * `batchShare`).
 */
export async function writeTask(
  deps: TaskDeps,
  task: Task,
  lookFirst: boolean,
  sendShare = 1,
  payload: { text?: string; upload?: AcceptedUpload } = {},
): Promise<Recorded | null> {
  const { store } = deps;
  if (lookFirst) {
    const existing = await store.getTask(task.id);
    if (existing) return existingAnswer(deps, existing, task);
  }
  if (task.lockId && !(await takeLock(store, task.lockId, task.id))) {
    deps.logger.info({ job: task.name, lock_id: task.lockId }, 'not queued: an equal task is not finished');
    return null;
  }
  // Kwargs over the item budget go to the payload bucket first: the record names the object.
  const stored = deps.payloads
    ? await offloadKwargs(deps, task, payload.text ?? JSON.stringify(task.kwargs), payload.upload)
    : { task, key: undefined };
  try {
    await store.createTask(stored.task, { sqsRequests: sendShare });
  } catch (err) {
    if (task.lockId) await store.releaseLock(task.lockId, task.id);
    if (stored.key) await dropObjects(deps, [stored.key]);
    // A concurrent call with the same id won the create: that task is the answer, or the conflict.
    if (!(err instanceof TaskExistsError)) throw err;
    const existing = await store.getTask(task.id);
    return existing ? existingAnswer(deps, existing, task) : null;
  }
  await publishChange(deps, stored.task);
  return { task: stored.task, created: true };
}

/**
 * The share of a SendMessageBatch request the `i`-th of `count` messages sent in tens takes
 * (a task's cost): a tenth, or less of a smaller last batch.
 */
export const batchShare = (i: number, count: number) => 1 / Math.min(10, count - Math.floor(i / 10) * 10);

/** Whether a recorded task still needs its message: new, or an earlier send failed. */
const needsSend = ({ task, created }: Recorded) =>
  created || (task.sendError !== undefined && task.status === 'QUEUED');

function logQueued(deps: TaskDeps, task: Task): void {
  const timer = needsTimer(deps, task.eta) || undefined;
  taskLogger(deps.logger, task).info({ eta: task.eta, timer, from_task: task.fromTask }, 'task queued');
}

/**
 * Queue a task of a job (`queue_task`): write the record, then send the message. An id
 * that exists returns that task and sends nothing (unless its send had failed: then it is
 * sent again) when it is the same request, and throws ConflictError (-32003) otherwise.
 * Returns null when the job cannot overlap and an equal task is not finished.
 * Throws ValidationError before writing; a SkytaskError when the record was written but
 * the send failed (the record says so and the reconciler covers it).
 */
export async function queueTask(
  deps: TaskDeps,
  jobName: string,
  kwargs: unknown = {},
  options: QueueTaskOptions = {},
  origin: RequestOrigin = {},
): Promise<Task | null> {
  const recorded = await recordTask(deps, jobName, kwargs, options, origin);
  if (!recorded) return null;
  if (needsSend(recorded)) await sendTaskMessage(deps, recorded.task);
  if (recorded.created) logQueued(deps, recorded.task);
  return recorded.task;
}

/**
 * Queue many tasks: the records ten at a time (each with its own checks), then their
 * messages in SendMessageBatch groups of 10. One result per item, in order: the task
 * (null: held back by non-overlap) or the error of that item alone.
 */
export async function queueTasks(deps: TaskDeps, items: readonly QueueTaskItem[]): Promise<QueueTaskResult[]> {
  const recorded = await mapSettled([...items.entries()], 10, ([i, item]) =>
    recordTask(deps, item.job, item.kwargs ?? {}, item.options, { sendShare: batchShare(i, items.length) }),
  );
  const results: QueueTaskResult[] = recorded.map((r) =>
    r.status === 'rejected' ? { ok: false, error: r.reason } : { ok: true, task: r.value?.task ?? null },
  );
  const toSend = recorded.flatMap((r, index) =>
    r.status === 'fulfilled' && r.value && needsSend(r.value) ? [{ index, ...r.value }] : [],
  );
  const errors = await sendTaskMessages(
    deps,
    toSend.map((s) => s.task),
  );
  for (const [n, { index, task, created }] of toSend.entries()) {
    const error = errors[n];
    if (error) results[index] = { ok: false, error };
    else if (created) logQueued(deps, task);
  }
  return results;
}
