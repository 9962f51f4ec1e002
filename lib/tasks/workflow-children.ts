/**
 * Workflows queued from a running task: `ctx.queueWorkflow`, and a parent awaiting its
 * children (`ctx.awaitChildren`): the children are a chord whose callback, the
 * continuation, gives the parent its outcome; the parent's run ends with the task WAITING.
 */
import { childrenWorkflowId, callbackTaskId, workflowRoleOf } from '../keys.js';
import type { Logger } from '../log.js';
import { isReady, type Task } from '../task.js';
import {
  type AwaitingChildren,
  awaitingChildren,
  type ChordOptions,
  chord,
  type Signature,
  type WorkflowSpec,
} from '../workflow.js';
import type { TaskDeps } from './deps.js';
import { settleEnded } from './end.js';
import { revokeTask } from './revoke.js';
import { queuedState } from './workflow-inspect.js';
import { queueWorkflow } from './workflow-queue.js';

/** How deep a task sits: its workflow's depth, or 0 for a task of none. */
async function depthOf(deps: TaskDeps, task: Task): Promise<number> {
  const role = workflowRoleOf(task.id);
  const workflow = role && (await deps.store.getWorkflow(role.workflowId));
  return workflow ? workflow.depth : 0;
}

/** `ctx.queueWorkflow`: the workflow's tasks come from this task, one level deeper. */
export async function queueWorkflowFrom(deps: TaskDeps, task: Task, spec: WorkflowSpec) {
  const origin = { fromTask: task.id, caller: task.caller, depth: (await depthOf(deps, task)) + 1 };
  return queuedState(await queueWorkflow(deps, spec, origin));
}

/**
 * `ctx.awaitChildren`: queue the children and the continuation as a chord under the id
 * derived from the parent's (so a re-run of the parent queues nothing twice), and the
 * marker its run returns.
 */
export async function awaitChildren(
  deps: TaskDeps,
  task: Task,
  children: readonly Signature[],
  continuation: Signature,
  options: Omit<ChordOptions, 'id'> = {},
): Promise<AwaitingChildren> {
  const id = childrenWorkflowId(task.id);
  const depth = (await depthOf(deps, task)) + 1;
  const spec = chord(children, continuation, { policy: options.policy as 'all', linkError: options.linkError });
  await queueWorkflow(deps, spec, { id, parent: task.id, fromTask: task.id, caller: task.caller, depth });
  return awaitingChildren(id);
}

/**
 * The run returned `ctx.awaitChildren`'s marker: the task goes WAITING (fenced on its attempt,
 * as a finish), holding no run. Its children may all have ended, and its continuation too,
 * before that write: then the continuation's end is taken again now. A revoke asked during
 * the run revokes it (and its children) now. False when the marker is not this task's.
 */
export async function suspendForChildren(deps: TaskDeps, task: Task, marker: AwaitingChildren, log: Logger) {
  if (marker.workflowId !== childrenWorkflowId(task.id)) return false;
  const suspended = await deps.store.suspendTask(task.id, task.attempts);
  if (!suspended) {
    log.warn({ attempt: task.attempts }, 'claim lost (a newer attempt owns the task): not suspended');
    return true;
  }
  log.info({ children: marker.workflowId }, 'task WAITING for its children');
  if (suspended.revokeRequested) {
    await revokeTask(deps, task.id);
    return true;
  }
  const continuation = await deps.store.getTask(callbackTaskId(marker.workflowId));
  if (continuation && isReady(continuation.status)) await settleEnded(deps, continuation);
  return true;
}
