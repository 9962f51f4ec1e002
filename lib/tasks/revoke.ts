import { mapSettled } from '../concurrency.js';
import { ConflictError, SkytaskError, TaskNotFoundError, WorkflowNotFoundError } from '../errors.js';
import { callbackTaskId, childrenWorkflowId, errorTaskId, workflowTaskId } from '../keys.js';
import { taskLogger } from '../log.js';
import { isReady, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { endTask } from './end.js';

/** How a task that is not ready is revoked: idle, or WAITING, it ends REVOKED now. */
async function revokeNow(deps: TaskDeps, task: Task): Promise<Task | undefined> {
  if (task.status !== 'WAITING') return endTask(deps, task.id, { idle: 'REVOKED', reason: 'revoked' });
  const ended = await endTask(deps, task.id, { waiting: { status: 'REVOKED', error: 'revoked', time: deps.clock() } });
  // A parent awaiting its children: they are revoked with it.
  if (ended && task.attempts > 0) await revokeWorkflow(deps, childrenWorkflowId(task.id)).catch(() => undefined);
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
  for (let i = 0; i < 3; i++) {
    const task = await deps.store.getTask(id);
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

/** What `revokeWorkflow` did to the workflow's tasks. */
export interface RevokeWorkflowResult {
  id: string;
  /** Tasks ended REVOKED now. */
  revoked: number;
  /** Running tasks asked to stop (they end REVOKED at their next heartbeat). */
  requested: number;
  /** Tasks that had ended already (or did so meanwhile), left as they are. */
  ended: number;
}

/**
 * `revoke_workflow`: revoke every task of the workflow that is not ready — a chord's
 * callback and the error path first (so that the revoked members neither fail the callback
 * instead nor start the error path), then the steps or members, 16 at a time. The ends go through `endTask`, so the workflow hears of each and
 * ends REVOKED. Throws WorkflowNotFoundError for an unknown id.
 */
export async function revokeWorkflow(deps: TaskDeps, id: string): Promise<RevokeWorkflowResult> {
  const workflow = await deps.store.getWorkflow(id);
  if (!workflow) throw new WorkflowNotFoundError(id);
  const result: RevokeWorkflowResult = { id, revoked: 0, requested: 0, ended: 0 };
  const revokeOne = async (taskId: string) => {
    try {
      const task = await revokeTask(deps, taskId);
      if (isReady(task.status)) result.revoked++;
      else result.requested++;
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof TaskNotFoundError)) throw err;
      if (err instanceof ConflictError) result.ended++;
    }
  };
  const first = [
    ...(workflow.kind === 'chord' ? [callbackTaskId(id)] : []),
    ...(workflow.linkError ? [errorTaskId(id)] : []),
  ];
  const ids = Array.from({ length: workflow.size }, (_, n) => workflowTaskId(id, n));
  for (const group of [first, ids]) {
    const settled = await mapSettled(group, 16, revokeOne);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  return result;
}
