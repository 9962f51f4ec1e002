import { mapSettled } from '../concurrency.js';
import { ConflictError, SkytaskError, TaskNotFoundError, WorkflowNotFoundError } from '../errors.js';
import { callbackTaskId, childrenWorkflowId, errorTaskId, workflowTaskId } from '../keys.js';
import { taskLogger } from '../log.js';
import { isReady, type Task } from '../task.js';
import type { WorkflowRecord } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';
import { endTask } from './end.js';
import { decodeWorkflowCursor, workflowCursor } from './workflow-inspect.js';

/** How a task that is not ready is revoked: idle, or WAITING, it ends REVOKED now. */
async function revokeNow(deps: TaskDeps, task: Task): Promise<Task | undefined> {
  if (task.status !== 'WAITING') return endTask(deps, task.id, { idle: 'REVOKED', reason: 'revoked' });
  const ended = await endTask(deps, task.id, { waiting: { status: 'REVOKED', error: 'revoked', time: deps.clock() } });
  // A parent awaiting its children: they are revoked with it.
  if (ended && task.attempts > 0) await revokeWholeWorkflow(deps, childrenWorkflowId(task.id)).catch(() => undefined);
  return ended;
}

/**
 * `revoke_task`: a queued, delayed or WAITING task becomes REVOKED and never runs (its lock
 * is released; a parent's children are revoked too); a running one is asked to stop — its
 * run sees the request at its next heartbeat, aborts the job's `ctx.signal` and records
 * REVOKED. Returns the task as it is then. Throws TaskNotFoundError for an unknown id,
 * ConflictError (→ -32003) for a ready task, and SkytaskError if the task kept changing
 * state under three tries.
 */
export async function revokeTask(deps: TaskDeps, id: string): Promise<Task> {
  return revokeRead(deps, id, await deps.store.getTask(id));
}

/** `revokeTask` of a task read already (`read`: undefined when there was none). */
async function revokeRead(deps: TaskDeps, id: string, read: Task | undefined): Promise<Task> {
  let task = read;
  for (let i = 0; i < 3; i++) {
    if (i > 0) task = await deps.store.getTask(id);
    if (!task) throw new TaskNotFoundError(id);
    if (isReady(task.status)) throw new ConflictError(`task ${id} is already ${task.status}`, task);
    const ended = await revokeNow(deps, task);
    if (ended) {
      taskLogger(deps.logger, ended).info('task revoked');
      return ended;
    }
    const asked = await deps.store.requestRevoke(id);
    if (asked) {
      taskLogger(deps.logger, asked).info('revoke requested from the running attempt');
      return asked;
    }
    // It changed state in between: look again.
  }
  throw new SkytaskError(`task ${id} kept changing state; revoke it again`);
}

/** What one `revokeWorkflow` call did to the workflow's tasks, and where to go on. */
export interface RevokeWorkflowResult {
  id: string;
  /** Tasks ended REVOKED now. */
  revoked: number;
  /** Running tasks asked to stop (they end REVOKED at their next heartbeat). */
  requested: number;
  /** Tasks that had ended already (or did so meanwhile), left as they are. */
  ended: number;
  /** True when the call stopped on its time budget with members left: call again with `cursor`. */
  more: boolean;
  /** Where the next call goes on (the first member not looked at), or null when it got through them all. */
  cursor: string | null;
}

/** Where a `revokeWorkflow` call starts, and how long it may take. */
export interface RevokeWorkflowOptions {
  /** A previous call's `cursor`: go on from there (the callback and error path were revoked by the first call). */
  cursor?: string;
  /** Seconds of revoking, after which the call answers `more`. @default REVOKE_BUDGET_SECONDS */
  budgetSeconds?: number;
}

/**
 * Seconds a `revoke_workflow` call revokes before it answers with `more` and a cursor: it
 * must answer within API Gateway's 29 s integration timeout (as `purge_dead_letters`'s 20 s).
 */
export const REVOKE_BUDGET_SECONDS = 20;

/**
 * Members read a round (one BatchGetItem: DynamoDB takes 100 keys) and revoked at once in it.
 * Each revoke is conditional writes (the end, the join's count): BatchWriteItem takes no
 * condition, so they go one a request, 32 at a time.
 */
const ROUND = 100;
const AT_ONCE = 32;

/**
 * `revoke_workflow`: revoke every task of the workflow that is not ready — a chord's callback
 * and the error path first, on the first call (so that no callback runs once a revoke has
 * begun, and the revoked members neither fail the callback instead nor start the error
 * path), then the steps or members in order, 100 read a request and 32 revoked at once,
 * until another round would take it past `budgetSeconds` (as long as the last took): then
 * it answers `more` and a `cursor` to go on from. Each call gets through one round at least. The ends go through `endTask`, so the workflow
 * hears of each and ends REVOKED. Throws WorkflowNotFoundError for an unknown id,
 * ValidationError for a cursor no call returned.
 */
export async function revokeWorkflow(
  deps: TaskDeps,
  id: string,
  { cursor, budgetSeconds = REVOKE_BUDGET_SECONDS }: RevokeWorkflowOptions = {},
): Promise<RevokeWorkflowResult> {
  const deadline = performance.now() + budgetSeconds * 1000;
  const workflow = await deps.store.getWorkflow(id);
  if (!workflow) throw new WorkflowNotFoundError(id);
  const result: RevokeWorkflowResult = { id, revoked: 0, requested: 0, ended: 0, more: false, cursor: null };
  let next = cursor ? decodeWorkflowCursor(cursor, workflow.size, 'revoke_workflow') : 0;
  if (cursor === undefined) await revokeAll(deps, firstOf(workflow), result);
  while (next < workflow.size) {
    const started = performance.now();
    const ids = Array.from({ length: Math.min(ROUND, workflow.size - next) }, (_, n) => workflowTaskId(id, next + n));
    const read = new Map((await deps.store.getTasks(ids)).map((t) => [t.id, t]));
    await revokeAll(
      deps,
      ids.filter((taskId) => read.has(taskId)).map((taskId) => [taskId, read.get(taskId)]),
      result,
    );
    next += ids.length;
    // Stop before a round that would end past the budget (taking as long as this one did).
    if (next < workflow.size && 2 * performance.now() - started >= deadline) {
      result.more = true;
      result.cursor = workflowCursor(next);
      break;
    }
  }
  return result;
}

/** The tasks a revoke takes first: a chord's callback, the error path (read as it revokes them). */
const firstOf = (w: WorkflowRecord): [string, undefined][] => [
  ...(w.kind === 'chord' ? [[callbackTaskId(w.id), undefined] as [string, undefined]] : []),
  ...(w.linkError ? [[errorTaskId(w.id), undefined] as [string, undefined]] : []),
];

/** Revoke these tasks (each with its record when read already), `AT_ONCE` at a time, counting into `result`. */
async function revokeAll(deps: TaskDeps, tasks: [string, Task | undefined][], result: RevokeWorkflowResult) {
  const settled = await mapSettled(tasks, AT_ONCE, async ([taskId, task]) => {
    if (task && isReady(task.status)) return void result.ended++;
    try {
      const revoked = await (task ? revokeRead(deps, taskId, task) : revokeTask(deps, taskId));
      if (isReady(revoked.status)) result.revoked++;
      else result.requested++;
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof TaskNotFoundError)) throw err;
      if (err instanceof ConflictError) result.ended++;
    }
  });
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** `revokeWorkflow` call after call until it got through every task (a parent's children, revoked with it). */
export async function revokeWholeWorkflow(deps: TaskDeps, id: string): Promise<void> {
  let cursor: string | undefined;
  do cursor = (await revokeWorkflow(deps, id, { cursor })).cursor ?? undefined;
  while (cursor);
}
