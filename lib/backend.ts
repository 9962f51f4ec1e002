import { randomUUID } from 'node:crypto';
// Type-only the other way (consumer → backend): no import cycle at run time.
import { mapSettled } from './consumer.js';
import { decodeEnvelope, producerTaskId } from './envelope.js';
import {
  ConflictError,
  SkytaskError,
  TaskExistsError,
  TaskNotFoundError,
  ValidationError,
  WaitTimeoutError,
} from './errors.js';
import { canOverlap, type Kwargs } from './job.js';
import { lockIdFor } from './keys.js';
import { LIMITS, jsonSize } from './limits.js';
import type { Logger } from './log.js';
import { taskLogger } from './log.js';
import type { TaskQueue } from './queue.js';
import type { JobRegistry } from './registry.js';
import type { TaskPage, TaskQuery, TaskStore } from './store.js';
import { isReady, UNREADY_STATUSES, type Task } from './task.js';
import type { TaskTimer } from './timer.js';

export interface QueueTaskOptions {
  /** Caller-given id: queueing an id that exists returns that task and sends nothing. */
  id?: string;
  /** Seconds after the task is due before it expires; overrides the job's `expires`. */
  expiry?: number;
  /** Seconds from now before the task is due, up to a year. */
  delay?: number;
  /** When the task is due (epoch seconds), up to a year ahead; instead of `delay`. */
  eta?: number;
  /** The task that queues this one (sub-tasks). */
  fromTask?: string;
  /** Who asked (recorded on the task). */
  caller?: string;
}

/** One task of a `queueTasks` call. */
export interface QueueTaskItem {
  job: string;
  kwargs?: unknown;
  options?: QueueTaskOptions;
}

/** One item's outcome: the task (null when non-overlap held it back), or that item's error. */
export type QueueTaskResult = { ok: true; task: Task | null } | { ok: false; error: Error };

/** What the queue holds now (approximate, as SQS counts). */
export interface QueueStats {
  queued: number;
  delayed: number;
  inFlight: number;
  deadLetters: number;
}

export interface BackendOptions {
  store: TaskStore;
  queue: TaskQueue;
  registry: JobRegistry;
  logger: Logger;
  /** Sends the messages of tasks due beyond `maxQueueDelay`; without one such tasks are refused. */
  timer?: TaskTimer;
  /** Seconds the queue itself can delay a message. @default 900 (SQS) */
  maxQueueDelay?: number;
  /** Epoch seconds; tests pass a fixed clock. */
  clock?: () => number;
}

export type Backend = ReturnType<typeof createBackend>;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** How deep a JSON value nests (without recursion: a hostile value may nest very deep). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    max = Math.max(max, depth);
    if (max > LIMITS.maxDepth) return max;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

/** Throws ValidationError unless kwargs is a plain JSON object within its size cap; returns its JSON copy. */
export function checkKwargs(kwargs: unknown): Kwargs {
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new ValidationError('kwargs must be a JSON object');
  }
  if (depthOf(kwargs) > LIMITS.maxDepth) throw new ValidationError(`kwargs nest deeper than ${LIMITS.maxDepth} levels`);
  const size = jsonSize(kwargs);
  if (!size) throw new ValidationError('kwargs must be JSON-serializable');
  if (size.bytes > LIMITS.kwargsBytes) {
    throw new ValidationError(`kwargs are ${size.bytes} bytes, over the ${LIMITS.kwargsBytes}-byte limit`, {
      bytes: size.bytes,
      limit: LIMITS.kwargsBytes,
    });
  }
  return JSON.parse(size.json);
}

/** Checks the options; returns when the task is due (epoch seconds), if later than now. */
function checkOptions(options: QueueTaskOptions, now: number): number | undefined {
  if (options.id !== undefined && (typeof options.id !== 'string' || !LIMITS.idPattern.test(options.id))) {
    throw new ValidationError('id must be 1-128 characters of A-Z a-z 0-9 _ . : -');
  }
  const { delay, eta, expiry } = options;
  const max = LIMITS.maxScheduleSeconds;
  if (delay !== undefined && eta !== undefined) throw new ValidationError('give delay or eta, not both');
  if (delay !== undefined && !(typeof delay === 'number' && delay >= 0 && delay <= max)) {
    throw new ValidationError(`delay must be a number of seconds from 0 to ${max} (a year)`);
  }
  if (eta !== undefined && !(typeof eta === 'number' && Number.isFinite(eta) && eta <= now + max)) {
    throw new ValidationError('eta must be a time in epoch seconds, at most a year from now');
  }
  if (expiry !== undefined && !(typeof expiry === 'number' && expiry > 0 && Number.isFinite(expiry))) {
    throw new ValidationError('expiry must be a positive number of seconds');
  }
  return delay ? now + delay : eta;
}

/**
 * The task backend: queueing and inspecting tasks, over a task store and a task queue.
 * The RPC handler, the consumer (for sub-tasks) and the local stack all go through it.
 */
export function createBackend({
  store,
  queue,
  registry,
  logger,
  timer,
  maxQueueDelay = LIMITS.maxDelaySeconds,
  clock = () => Date.now() / 1000,
}: BackendOptions) {
  /**
   * Take the non-overlap lock for a new task. A lock whose task is ready or missing is
   * taken over; one whose task is unfinished means "held". False when held.
   */
  async function takeLock(lockId: string, taskId: string): Promise<boolean> {
    let holder = await store.acquireLock(lockId, taskId);
    for (let i = 0; holder !== undefined && i < 5; i++) {
      if (holder !== '') {
        const task = await store.getTask(holder);
        if (task && !isReady(task.status)) return false;
      }
      holder = await store.acquireLock(lockId, taskId, holder || undefined);
    }
    return holder === undefined;
  }

  /** Whether a task due at `eta` is beyond what the queue can delay: then the timer sends it. */
  const needsTimer = (eta: number | undefined) => eta !== undefined && eta - clock() > maxQueueDelay;

  async function send(task: Task): Promise<void> {
    const delay = task.eta !== undefined ? Math.max(0, task.eta - clock()) : 0;
    try {
      const envelope = { id: task.id, job: task.name };
      if (!needsTimer(task.eta)) await queue.send(envelope, delay);
      else if (timer) await timer.arm(envelope, task.eta!);
      else throw new SkytaskError(`no timer is configured for a task due in ${Math.round(delay)} s`);
      if (task.sendError) await store.setSendError(task.id, undefined);
    } catch (err) {
      // The record stays QUEUED and says so: queueing the same id again re-sends, and the
      // reconciler finds it. The caller gets the error.
      const message = (err as Error).message;
      await store.setSendError(task.id, message).catch(() => undefined);
      throw new SkytaskError(`task ${task.id} was recorded but its message could not be sent: ${message}`, {
        cause: err,
      });
    }
  }

  /**
   * Check and write a new task's record (lock first when the job cannot overlap). Null
   * when the lock is held; `created` false when the caller's id exists already (that
   * task is the answer). Sends nothing.
   */
  async function record(
    jobName: string,
    kwargs: unknown,
    options: QueueTaskOptions,
    sentAt?: number,
  ): Promise<{ task: Task; created: boolean } | null> {
    const job = registry.require(jobName);
    const args = checkKwargs(kwargs);
    const now = sentAt ?? clock();
    const eta = checkOptions(options, now);
    if (!timer && needsTimer(eta)) {
      throw new ValidationError(
        `tasks due more than ${maxQueueDelay} s ahead need a timer (on AWS: SKYTASK_TIMER_GROUP, SKYTASK_TIMER_ROLE_ARN, SKYTASK_QUEUE_ARN)`,
      );
    }
    if (options.id !== undefined) {
      const existing = await store.getTask(options.id);
      if (existing) return { task: existing, created: false };
    }
    const id = options.id ?? randomUUID();
    const expiresIn = options.expiry ?? job.expires;
    const lockId = canOverlap(job, args) ? undefined : lockIdFor(job.name, args);
    const task: Task = withoutUndefined({
      id,
      name: job.name,
      status: 'QUEUED',
      kwargs: args,
      timeQueued: now,
      eta,
      expiry: expiresIn ? (eta ?? now) + expiresIn : undefined,
      attempts: 0,
      fromTask: options.fromTask,
      lockId,
      caller: options.caller,
    });
    if (lockId && !(await takeLock(lockId, id))) {
      logger.info({ job: job.name, lock_id: lockId }, 'not queued: an equal task is not finished');
      return null;
    }
    try {
      await store.createTask(task);
    } catch (err) {
      if (lockId) await store.releaseLock(lockId, id);
      // A concurrent call with the same id won the create: that task is the answer.
      if (err instanceof TaskExistsError) {
        const existing = await store.getTask(id);
        return existing ? { task: existing, created: false } : null;
      }
      throw err;
    }
    return { task, created: true };
  }

  const logQueued = (task: Task) =>
    taskLogger(logger, task).info(
      { eta: task.eta, timer: needsTimer(task.eta) || undefined, from_task: task.fromTask },
      'task queued',
    );

  return {
    registry,
    store,
    queue,
    clock,

    /**
     * Queue a task of a job. Writes the record, then sends the message. Returns the task,
     * or null when the job cannot overlap and an equal task is not finished.
     */
    async queueTask(jobName: string, kwargs: unknown = {}, options: QueueTaskOptions = {}): Promise<Task | null> {
      const recorded = await record(jobName, kwargs, options);
      if (!recorded) return null;
      const { task, created } = recorded;
      if (created || (task.sendError && task.status === 'QUEUED')) await send(task);
      if (created) logQueued(task);
      return task;
    },

    /**
     * Queue many tasks: the records one by one (each with its own checks), then their
     * messages in SendMessageBatch groups of 10. One result per item, in order: the task
     * (null: not queued, non-overlap) or the error of that item alone.
     */
    async queueTasks(items: QueueTaskItem[]): Promise<QueueTaskResult[]> {
      const results: QueueTaskResult[] = new Array(items.length);
      const batch: { index: number; task: Task; delay: number }[] = [];
      const recorded = await mapSettled(items, 10, (item) => record(item.job, item.kwargs ?? {}, item.options ?? {}));
      for (const [index, r] of recorded.entries()) {
        if (r.status === 'rejected') {
          results[index] = { ok: false, error: r.reason };
          continue;
        }
        const value = r.value;
        results[index] = { ok: true, task: value?.task ?? null };
        if (!value || !(value.created || (value.task.sendError && value.task.status === 'QUEUED'))) continue;
        const { task } = value;
        if (needsTimer(task.eta)) {
          // Due beyond the queue's delay: the timer, one by one.
          await send(task).then(
            () => logQueued(task),
            (error) => (results[index] = { ok: false, error }),
          );
        } else batch.push({ index, task, delay: task.eta !== undefined ? Math.max(0, task.eta - clock()) : 0 });
      }
      for (let i = 0; i < batch.length; i += 10) {
        const group = batch.slice(i, i + 10);
        const errors = await queue
          .sendBatch(
            group.map(({ task, delay }) => ({ envelope: { id: task.id, job: task.name }, delaySeconds: delay })),
          )
          .catch((err: unknown) => group.map(() => err as Error));
        for (const [n, { index, task }] of group.entries()) {
          const error = errors[n];
          if (!error) {
            if (task.sendError) await store.setSendError(task.id, undefined).catch(() => undefined);
            logQueued(task);
            continue;
          }
          await store.setSendError(task.id, error.message).catch(() => undefined);
          results[index] = {
            ok: false,
            error: new SkytaskError(
              `task ${task.id} was recorded but its message could not be sent: ${error.message}`,
              {
                cause: error,
              },
            ),
          };
        }
      }
      return results;
    },

    /**
     * Write a task's record without sending a message: for a producer message (the plain
     * SQS wire format), whose own delivery runs the task. `sentAt` (epoch seconds, when
     * the producer sent it) is the time queued, so expiry counts from the send.
     * Null when non-overlap holds it back; `created` false when the id exists.
     */
    recordTask: (jobName: string, kwargs: unknown, options: QueueTaskOptions = {}, sentAt?: number) =>
      record(jobName, kwargs, options, sentAt),

    getTask: (id: string) => store.getTask(id),

    getTasks(query: Partial<TaskQuery>): Promise<TaskPage> {
      return store.queryTasks({ ...query, limit: query.limit ?? LIMITS.defaultListLimit });
    },

    /** Wait until the task is ready; WaitTimeoutError with the task as it is after `timeout` seconds. */
    async waitForTask(id: string, timeout: number, signal?: AbortSignal): Promise<Task> {
      const deadline = Date.now() + timeout * 1000;
      let pause = 50;
      for (;;) {
        const task = await store.getTask(id);
        if (!task) throw new TaskNotFoundError(id);
        if (isReady(task.status)) return task;
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted) throw new WaitTimeoutError(task);
        await sleep(Math.min(pause, left), signal);
        pause = Math.min(1000, pause * 1.5);
      }
    },

    /** Approximate number of tasks waiting in the queue (visible or delayed). */
    async numTasks(): Promise<number> {
      const depth = await queue.depth();
      return depth.queued + depth.delayed;
    },

    /** Queue depth, messages in flight, and dead letters (approximate, as SQS counts). */
    async queueStats(): Promise<QueueStats> {
      const [depth, deadLetters] = await Promise.all([queue.depth(), queue.deadLetterCount()]);
      return { ...depth, deadLetters };
    },

    deleteTasks: (ids: string[]) => store.deleteTasks(ids),

    /** Delete every task and message. */
    async flush(): Promise<void> {
      await store.flush();
      await queue.purge();
    },

    /**
     * Revoke a task. A queued or delayed one becomes REVOKED and never runs; a running one
     * is asked to stop (its run sees the request at its next heartbeat, aborts the job's
     * signal and records REVOKED). A ready one is a ConflictError.
     */
    async revokeTask(id: string): Promise<Task> {
      for (let i = 0; i < 3; i++) {
        const task = await store.getTask(id);
        if (!task) throw new TaskNotFoundError(id);
        if (isReady(task.status)) throw new ConflictError(`task ${id} is already ${task.status}`, task);
        const ended = await store.endIdle(id, { status: 'REVOKED', time: clock(), reason: 'revoked' });
        if (ended) {
          if (ended.lockId) await store.releaseLock(ended.lockId, id);
          taskLogger(logger, ended).info('task revoked');
          return ended;
        }
        const asked = await store.requestRevoke(id);
        if (asked) {
          taskLogger(logger, asked).info('revoke requested from the running attempt');
          return asked;
        }
        // It changed state in between: look again.
      }
      throw new SkytaskError(`task ${id} kept changing state; revoke it again`);
    },

    /**
     * Move the dead-letter queue's task messages back: each dead-lettered (or stuck)
     * task is queued again for a new attempt. Messages of tasks that are gone or ended
     * otherwise are dropped; bodies that are no task message stay where they are.
     */
    async redriveDeadLetters(max = 1000): Promise<{ moved: string[]; dropped: number; skipped: number }> {
      const moved: string[] = [];
      let dropped = 0;
      let skipped = 0;
      const seen = new Set<string>();
      while (moved.length + dropped + skipped < max) {
        const messages = await queue.receiveDeadLetters(Math.min(10, max - moved.length - dropped - skipped));
        const fresh = messages.filter((m) => !seen.has(m.messageId));
        if (!fresh.length) break;
        const done: string[] = [];
        for (const message of fresh) {
          seen.add(message.messageId);
          const decoded = decodeEnvelope(message.body);
          if ('invalid' in decoded) {
            skipped++;
            continue;
          }
          // A producer message dead-lettered before its record was written (bad kwargs)
          // has no task to redrive: it stays for a person to look at.
          const id = decoded.envelope
            ? decoded.envelope.id
            : (decoded.producer.id ?? producerTaskId(message.messageId));
          const task = await store.requeue(id);
          if (task) {
            await send(task);
            moved.push(task.id);
            taskLogger(logger, task).info('redriven from the dead-letter queue');
          } else if (decoded.producer && !(await store.getTask(id))) {
            skipped++;
            continue;
          } else dropped++;
          done.push(message.receiptHandle);
        }
        await queue.deleteDeadLetters(done);
      }
      return { moved, dropped, skipped };
    },

    /**
     * The reconciler: send again the message of every task that should have one and has
     * not progressed for `olderThan` seconds — QUEUED or RETRY past their due time,
     * STARTED with a lease expired that long. The claim makes a duplicate harmless. Each
     * task is re-sent at most `maxResends` times, with the wait doubling each time; a
     * STARTED task still stuck after that (its runs keep dying) is recorded FAILURE.
     *
     * `recovery: true` is restart recovery for a fresh (empty) queue: every task not
     * ready gets its message again (with its remaining delay), uncounted; a task due
     * beyond the queue's delay is armed on the timer again. With `timerOnly`: only those
     * (the queue kept its messages, but the local timer, in memory, lost its own).
     */
    async reconcile({
      olderThan = 300,
      maxResends = 5,
      recovery = false,
      timerOnly = false,
    }: {
      olderThan?: number;
      maxResends?: number;
      recovery?: boolean;
      timerOnly?: boolean;
    } = {}): Promise<{
      resent: number;
      failed: number;
    }> {
      let resent = 0;
      let failed = 0;
      const now = clock();
      const count = !recovery;
      for await (const tasks of store.tasksInStatus(UNREADY_STATUSES)) {
        for (const task of tasks) {
          const timed =
            task.status === 'QUEUED' && task.eta !== undefined && task.eta - task.timeQueued > maxQueueDelay;
          if (timerOnly && !timed) continue;
          const resends = task.resends ?? 0;
          const since =
            task.status === 'STARTED' ? (task.leaseUntil ?? task.timeQueued) : (task.eta ?? task.timeQueued);
          if (count && now - since < olderThan * 2 ** resends) continue;
          const log = taskLogger(logger, task);
          if (count && resends >= maxResends) {
            if (task.status !== 'STARTED') continue;
            const reason = `its runs kept dying: no outcome after ${resends} re-sends`;
            const ended = await store.endIdle(task.id, { status: 'FAILURE', time: now, reason });
            if (ended?.lockId) await store.releaseLock(ended.lockId, ended.id);
            if (ended) failed++, log.error({ resends }, 'reconciler gave up: task FAILURE');
            continue;
          }
          if (count && !(await store.markResent(task.id, resends))) continue;
          await send(task);
          resent++;
          log.warn(
            { status: task.status, resends: count ? resends + 1 : undefined },
            "reconciler sent the task's message again",
          );
        }
      }
      return { resent, failed };
    },
  };
}
