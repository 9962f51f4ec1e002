import { randomUUID } from 'node:crypto';
import { SkytaskError, TaskExistsError, TaskNotFoundError, ValidationError, WaitTimeoutError } from './errors.js';
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

/** Throws ValidationError unless kwargs is a plain JSON object within its size cap; returns its JSON copy. */
export function checkKwargs(kwargs: unknown): Kwargs {
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new ValidationError('kwargs must be a JSON object');
  }
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
      const job = registry.require(jobName);
      const args = checkKwargs(kwargs);
      const now = clock();
      const eta = checkOptions(options, now);
      if (!timer && needsTimer(eta)) {
        throw new ValidationError(
          `tasks due more than ${maxQueueDelay} s ahead need a timer (on AWS: SKYTASK_TIMER_GROUP, SKYTASK_TIMER_ROLE_ARN, SKYTASK_QUEUE_ARN)`,
        );
      }
      if (options.id !== undefined) {
        const existing = await store.getTask(options.id);
        if (existing) {
          if (existing.sendError && existing.status === 'QUEUED') await send(existing);
          return existing;
        }
      }
      const id = options.id ?? randomUUID();
      const expiresIn = options.expiry ?? job.expires;
      const lockId = canOverlap(job, args) ? undefined : lockIdFor(job.name, args);
      const task: Task = {
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
      };
      if (lockId && !(await takeLock(lockId, id))) {
        logger.info({ job: job.name, lock_id: lockId }, 'not queued: an equal task is not finished');
        return null;
      }
      try {
        await store.createTask(task);
      } catch (err) {
        if (lockId) await store.releaseLock(lockId, id);
        // A concurrent call with the same id won the create: that task is the answer.
        if (err instanceof TaskExistsError) return (await store.getTask(id)) ?? null;
        throw err;
      }
      await send(task);
      taskLogger(logger, task).info({ eta, timer: needsTimer(eta) || undefined, from_task: task.fromTask }, 'task queued');
      return task;
    },

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

    deleteTasks: (ids: string[]) => store.deleteTasks(ids),

    /** Delete every task and message. */
    async flush(): Promise<void> {
      await store.flush();
      await queue.purge();
    },

    /**
     * Send again the message of every task that is not ready (QUEUED, RETRY, STARTED).
     * For a fresh queue (the local SQS emulator keeps messages in memory only): the claim
     * makes any duplicate harmless. A task due beyond the queue's delay is armed on the
     * timer again instead (the local timer lives in memory too). `timerOnly`: only tasks
     * queued for the timer (the queue kept its messages, the timer's memory is gone). Returns how many.
     */
    async recover({ timerOnly = false }: { timerOnly?: boolean } = {}): Promise<number> {
      let sent = 0;
      for await (const tasks of store.tasksInStatus(UNREADY_STATUSES)) {
        for (const task of tasks) {
          // Queued for the timer: its message may be in nobody's hands (a duplicate is harmless).
          const timed = task.status === 'QUEUED' && task.eta !== undefined && task.eta - task.timeQueued > maxQueueDelay;
          if (timerOnly && !timed) continue;
          await send(task);
          sent++;
        }
      }
      return sent;
    },
  };
}
