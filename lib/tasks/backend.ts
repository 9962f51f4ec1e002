import type { TaskPage, TaskQuery } from '../store.js';
import type { Task } from '../task.js';
import { type CostReport, type CostReportOptions, costReport } from './cost-report.js';
import {
  type DeadLetterPage,
  type DeadLetterQuery,
  listDeadLetters,
  type PurgeOptions,
  type PurgeResult,
  purgeDeadLetters,
} from './dead-letters.js';
import { type TaskDepsInput, taskDeps } from './deps.js';
import { type QueueTaskItem, type QueueTaskResult, queueTask, queueTasks } from './enqueue.js';
import { getTasks, type QueueStats, queueStats, waitForTask } from './inspect.js';
import type { QueueTaskOptions } from './options.js';
import { type ReconcileOptions, type ReconcileResult, reconcile } from './reconcile.js';
import { type RedriveOptions, type RedriveResult, redriveDeadLetters } from './redrive.js';
import { type RevokeWorkflowOptions, type RevokeWorkflowResult, revokeTask, revokeWorkflow } from './revoke.js';
import type { WorkflowSpec } from '../workflow.js';
import type { WorkflowState } from '../workflow-state.js';
import { getWorkflowState, queuedState, type WorkflowPage } from './workflow-inspect.js';
import { queueWorkflow } from './workflow-queue.js';
import { dropObjects, loadPayloads, objectsOf } from '../payloads/claim-check.js';
import { type KwargsUpload, presignKwargs, queueUploaded } from '../payloads/uploads.js';

/**
 * The task backend (Pulsar's TaskBackend): queueing and inspecting tasks. What the JSON-RPC
 * methods, the direct client and the local stack call. Each method is one operation of
 * lib/tasks/, bound to one set of ports; see there for the rules and errors.
 */
export interface Backend {
  /** Queue a task (lib/tasks/enqueue.ts). Null when non-overlap held it back. */
  queueTask(jobName: string, kwargs?: unknown, options?: QueueTaskOptions): Promise<Task | null>;
  /** Queue many tasks; one result per item, in order. */
  queueTasks(items: readonly QueueTaskItem[]): Promise<QueueTaskResult[]>;
  /** The task, or undefined. */
  getTask(id: string): Promise<Task | undefined>;
  /** A page of tasks, newest first. */
  getTasks(query: Partial<TaskQuery>): Promise<TaskPage>;
  /** The task once ready; WaitTimeoutError after `timeout` seconds. */
  waitForTask(id: string, timeout: number, signal?: AbortSignal): Promise<Task>;
  /** Approximate number of tasks waiting in the queue (visible or delayed). */
  numTasks(): Promise<number>;
  /** Queue depth, in flight and dead letters. */
  queueStats(): Promise<QueueStats>;
  /** What the tasks of each job queued in a period cost (lib/tasks/cost-report.ts). */
  costReport(options?: CostReportOptions): Promise<CostReport>;
  /** Revoke a task (lib/tasks/revoke.ts). */
  revokeTask(id: string): Promise<Task>;
  /** Move up to `max` dead letters back, within a time budget (lib/tasks/redrive.ts). */
  redriveDeadLetters(max?: number, options?: RedriveOptions): Promise<RedriveResult>;
  /** A page of the tasks marked dead-lettered, and SQS's count of letters (lib/tasks/dead-letters.ts). */
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Delete dead letters, all or these tasks', within a time budget (lib/tasks/dead-letters.ts). */
  purgeDeadLetters(options?: PurgeOptions): Promise<PurgeResult>;
  /** One reconciler run (lib/tasks/reconcile.ts). */
  reconcile(options?: ReconcileOptions): Promise<ReconcileResult>;
  /** Queue a workflow (lib/tasks/workflow-queue.ts); its state as queued, with the first page of its tasks. */
  queueWorkflow<R>(spec: WorkflowSpec<R>, origin?: { caller?: string }): Promise<WorkflowState<R>>;
  /** A workflow's state and a page of its tasks (lib/tasks/workflow-inspect.ts). */
  getWorkflow(id: string, page?: WorkflowPage): Promise<WorkflowState>;
  /** Revoke the tasks of a workflow that are not ready, within a time budget: `more` and `cursor` go on (lib/tasks/revoke.ts). */
  revokeWorkflow(id: string, options?: RevokeWorkflowOptions): Promise<RevokeWorkflowResult>;
  /** Delete tasks, and the payload objects they name; returns the ids that existed. */
  deleteTasks(ids: string[]): Promise<string[]>;
  /** A presigned PUT for large kwargs (`presign_kwargs`, lib/payloads/uploads.ts). */
  presignKwargs(params: { size: unknown; sha256: unknown; id?: unknown }): Promise<KwargsUpload>;
  /** Queue a task with uploaded kwargs (`queue_task` with `kwargs_ref`, lib/payloads/uploads.ts). */
  queueUploaded(jobName: string, ref: unknown, options?: QueueTaskOptions): Promise<Task | null>;
  /** The task with its kwargs and result read back from the payload bucket when its item names objects (lib/payloads/). */
  loadPayloads(task: Task): Promise<Task>;
  /** Delete every task and message (tests, local resets). */
  flush(): Promise<void>;
}

/** The backend over one set of ports. */
export function createBackend(input: TaskDepsInput): Backend {
  const deps = taskDeps(input);
  const { store, queue } = deps;
  return {
    queueTask: (jobName, kwargs, options) => queueTask(deps, jobName, kwargs, options),
    queueTasks: (items) => queueTasks(deps, items),
    getTask: (id) => store.getTask(id),
    getTasks: (query) => getTasks(deps, query),
    waitForTask: (id, timeout, signal) => waitForTask(deps, id, timeout, signal),
    async numTasks() {
      const depth = await queue.depth();
      return depth.queued + depth.delayed;
    },
    queueStats: () => queueStats(deps),
    costReport: (options) => costReport(deps, options),
    revokeTask: (id) => revokeTask(deps, id),
    redriveDeadLetters: (max, options) => redriveDeadLetters(deps, max, options),
    listDeadLetters: (query) => listDeadLetters(deps, query),
    purgeDeadLetters: (options) => purgeDeadLetters(deps, options),
    reconcile: (options) => reconcile(deps, options),
    queueWorkflow: async (spec, origin) => queuedState(await queueWorkflow(deps, spec, origin)) as WorkflowState<any>,
    getWorkflow: (id, page) => getWorkflowState(deps, id, page),
    revokeWorkflow: (id, options) => revokeWorkflow(deps, id, options),
    async deleteTasks(ids) {
      const named = deps.payloads ? await store.getTasks(ids) : [];
      const deleted = await store.deleteTasks(ids);
      const keys = named.filter((t) => deleted.includes(t.id)).flatMap((t) => objectsOf(t).map((ref) => ref.key));
      await dropObjects(deps, keys);
      return deleted;
    },
    loadPayloads: (task) => loadPayloads(deps, task),
    presignKwargs: (params) => presignKwargs(deps, params),
    queueUploaded: (jobName, ref, options = {}) => queueUploaded(deps, jobName, ref, options),
    async flush() {
      await store.flush();
      await queue.purge();
    },
  };
}
