import { SETTINGS } from '../settings.js';
import type { AnyJobs, JobMap, JobsOf, QueueArgs, TaskOf } from '../client/types.js';
import { createLogger, type Logger } from '../log.js';
import { createMemoryQueue, type DeadLetterView, type MemoryQueue } from '../memory/memory-queue.js';
import { createMemoryStore } from '../memory/memory-store.js';
import type { Job } from '../job.js';
import { createRegistry } from '../registry.js';
import { type Runtime, wireRuntime } from '../runtime.js';
import type { FireResult } from '../scheduler.js';
import { previousSlot, scheduleOf } from '../schedule.js';
import type { TaskPage, TaskQuery } from '../store.js';
import { isReady, type Task } from '../task.js';
import type { QueueTaskOptions } from '../tasks/options.js';
import { createFakeClock, DEFAULT_START, type FakeClock } from './fake-clock.js';
import { createMemoryTimer, type MemoryTimer } from '../memory/memory-timer.js';
import { createMemoryPayloads, type MemoryPayloads } from '../memory/memory-payloads.js';
import { drainQueue, type RunOptions, type RunReport } from './drain.js';
import type { WorkflowSpec } from '../workflow.js';
import type { WorkflowState } from '../workflow-state.js';
import type { WorkflowPage } from '../tasks/workflow-inspect.js';

/** How a test queue is built. Times in seconds. */
export interface TestQueueOptions<M> {
  /** The jobs module's exports (`import * as jobs from './jobs.js'`), or an array of jobs. */
  jobs: M;
  /** Where the fake clock starts, epoch seconds. @default 1767225600 (2026-01-01T00:00:00Z) */
  startAt?: number;
  /**
   * The claim's lease. Heartbeats (which also deliver a revoke to a running job) come
   * every third of it in real time, so it is short here. @default 0.3
   */
  leaseSeconds?: number;
  /** Deliveries before a failing message is dead-lettered (the queue's redrive policy). @default 5 */
  maxReceiveCount?: number;
  /** Seconds a delivered message stays invisible (fake time). @default 30 */
  visibilityTimeout?: number;
  /** Tasks run at once per batch. @default 5 */
  concurrency?: number;
  /** @default silent */
  logger?: Logger;
}

/**
 * Jobs run in-process on the in-memory store and queue and a fake clock, through the same
 * backend and consumer as production — Celery's eager mode, with the whole task record
 * to look at. See docs/testing.md.
 */
export interface TestQueue<J extends JobMap = AnyJobs> {
  readonly clock: FakeClock;
  /** The runtime underneath (store, queue, backend, consumer, scheduler, rpc). */
  readonly runtime: Runtime;
  /** The payload bucket, in memory: kwargs and results over the item budget, with S3's lifecycle on the fake clock. */
  readonly payloads: MemoryPayloads;
  /** Queue a task, as the clients do (kwargs checked, typed by the jobs module). Null: non-overlap held it back. */
  queueTask<N extends keyof J & string>(job: N, ...args: QueueArgs<J[N]['kwargs']>): Promise<TaskOf<J, N> | null>;
  /**
   * Deliver messages to the consumer until nothing is left to run, moving the fake clock
   * to each next due time (retry backoff, delays, redeliveries) — or stop at `until`.
   */
  run(options?: RunOptions): Promise<RunReport>;
  /** Queue a task and run until it is ready; its full record (status, result, attempts, errors). */
  runTask<N extends keyof J & string>(job: N, ...args: QueueArgs<J[N]['kwargs']>): Promise<Task>;
  /** The full record (bookkeeping fields included; payloads kept in the bucket read back), or undefined. */
  getTask(id: string): Promise<Task | undefined>;
  getTasks(query?: Partial<TaskQuery>): Promise<TaskPage>;
  /** Revoke a task (a running one stops at its next heartbeat, through `ctx.signal`). */
  revokeTask(id: string): Promise<Task>;
  /** Queue a workflow (`chain`, `group`, `chord`); `run` then runs its tasks, callbacks included. */
  queueWorkflow<R>(workflow: WorkflowSpec<R>): Promise<WorkflowState<R>>;
  /** A workflow's state, counts and a page of its tasks. */
  getWorkflow(id: string, page?: WorkflowPage): Promise<WorkflowState>;
  /** Fire a periodic job's run for `slot` (epoch seconds). @default the slot due at the clock's now */
  fire(job: keyof J & string, slot?: number): Promise<FireResult>;
  /** The messages on the dead-letter queue. */
  deadLetters(): DeadLetterView[];
}

/**
 * A test queue for the jobs of a module.
 * @example
 * import { createTestQueue } from 'skytask/testing';
 * import * as jobs from '../src/jobs.js';
 * const q = createTestQueue({ jobs });
 * const task = await q.runTask('addition', { a: 1, b: 2 });
 * assert.equal(task.result, 3);
 */
export function createTestQueue<M>(options: TestQueueOptions<M>): TestQueue<JobsOf<M>> {
  const clock = createFakeClock(options.startAt ?? DEFAULT_START);
  const maxReceiveCount = options.maxReceiveCount ?? SETTINGS.maxReceiveCount.default;
  const store = createMemoryStore({ clock: clock.now });
  const queue: MemoryQueue = createMemoryQueue({
    clock: clock.now,
    visibilityTimeout: options.visibilityTimeout ?? 30,
    maxReceiveCount,
  });
  const timer: MemoryTimer = createMemoryTimer({ queue, clock: clock.now });
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const registry = createRegistry(options.jobs);
  const payloads = createMemoryPayloads({ clock: clock.now });
  const runtime = wireRuntime(
    { store, queue, registry, logger, timer, clock: clock.now, payloads },
    { leaseSeconds: options.leaseSeconds ?? 0.3, maxReceiveCount, concurrency: options.concurrency, workerId: 'test' },
  );
  const { backend } = runtime;
  const getTask = async (id: string) => {
    const task = await runtime.store.getTask(id);
    return task && backend.loadPayloads(task);
  };
  const run = (runOptions?: RunOptions) => drainQueue({ queue, timer, clock, consumer: runtime.consumer }, runOptions);
  const queueTask = (job: string, kwargs?: unknown, queueOptions?: QueueTaskOptions) =>
    backend.queueTask(job, kwargs ?? {}, queueOptions);
  const testQueue: TestQueue<any> = {
    clock,
    runtime,
    payloads,
    queueTask: queueTask as TestQueue<any>['queueTask'],
    run,
    async runTask(job: string, kwargs?: unknown, queueOptions?: QueueTaskOptions) {
      const task = await queueTask(job, kwargs, queueOptions);
      if (!task) throw new Error(`task of "${job}" not queued: an equal task is not finished (non-overlap)`);
      const ready = async () => isReady((await runtime.store.getTask(task.id))?.status ?? 'QUEUED');
      await run({ stopWhen: ready });
      return (await getTask(task.id))!;
    },
    getTask,
    getTasks: (query = {}) => backend.getTasks(query),
    revokeTask: (id) => backend.revokeTask(id),
    queueWorkflow: (workflow) => backend.queueWorkflow(workflow),
    getWorkflow: (id, page) => backend.getWorkflow(id, page),
    fire: (job, slot) => runtime.scheduler.fire(job, slot ?? dueSlot(registry.get(job), clock.now())),
    deadLetters: () => queue.peekDeadLetters(),
  };
  return testQueue;
}

/** The slot due at `now` (the last at or before it), or `now` when there is none (fire says why). */
function dueSlot(job: Job | undefined, now: number): number {
  const schedule = job && scheduleOf(job);
  return (schedule && previousSlot(schedule, now)) ?? now;
}
