/**
 * The reconciler's part in workflows: a WAITING task that has waited long is looked at
 * again, in case what it waits for ended and the step that follows was lost (a crash
 * between a member's end and its count, between a join's last count and the release).
 * The steps are the ones a task's end takes (lib/tasks/workflow-settle.ts), idempotent.
 */
import { callbackTaskId, childrenWorkflowId, workflowRoleOf, workflowTaskId } from '../keys.js';
import { taskLogger } from '../log.js';
import { isReady, type Task } from '../task.js';
import type { WorkflowRecord } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';
import { endTask, settleEnded } from './end.js';
import { completeJoin, settleMember } from './workflow-settle.js';

/** Members read per BatchGetItem. */
const PAGE = 100;

/**
 * Seconds after it was queued that a WAITING task gets its next look, after `looks` looks:
 * the waits between looks are `olderThan`, doubling each time up to 16 times it (300 s, 600 s,
 * … 80 min, 80 min…), so a long chord costs a few reads an hour.
 */
export function waitingBackoff(olderThan: number, looks: number): number {
  const doubling = Math.min(looks, 4);
  return olderThan * (2 ** (doubling + 1) - 1 + 16 * (looks - doubling));
}

/**
 * Count the members a chord's join has not counted but that have ended — the reconciler's
 * "members that ended but were not counted" — and release the callback when all are. A
 * member with no record (its workflow's queueing died before writing it) counts as FAILURE.
 */
async function repairJoin(deps: TaskDeps, workflow: WorkflowRecord): Promise<void> {
  const { counted } = await deps.store.readJoin(workflow.id, workflow.size);
  const missing = Array.from({ length: workflow.size }, (_, n) => n).filter((n) => !counted.has(n));
  if (!missing.length) return completeJoin(deps, workflow);
  for (let i = 0; i < missing.length; i += PAGE) {
    const ids = missing.slice(i, i + PAGE).map((n) => workflowTaskId(workflow.id, n));
    const found = new Map((await deps.store.getTasks(ids)).map((t) => [t.id, t]));
    for (const [k, id] of ids.entries()) {
      const task = found.get(id);
      if (task && isReady(task.status)) await settleEnded(deps, task);
      if (task) continue;
      const error = "no record: the workflow's queueing stopped before writing it";
      await settleMember(deps, workflow, missing[i + k], { id, status: 'FAILURE', error }, endTask);
    }
  }
}

/** A parent awaiting its children: its continuation may have ended unheard. */
async function repairParent(deps: TaskDeps, parent: Task): Promise<void> {
  const children = childrenWorkflowId(parent.id);
  const continuation = await deps.store.getTask(callbackTaskId(children));
  if (continuation && isReady(continuation.status)) return settleEnded(deps, continuation);
  if (continuation || (await deps.store.getWorkflow(children))) return;
  const error = 'its children are gone (their workflow has no record)';
  await endTask(deps, parent.id, { waiting: { status: 'FAILURE', error, time: deps.clock() } });
}

/** What a WAITING task waits for: a chain's step before, a chord's join, a parent's children. */
async function repairOne(deps: TaskDeps, task: Task): Promise<void> {
  if (task.attempts > 0) return repairParent(deps, task);
  const role = workflowRoleOf(task.id);
  const workflow = role && (await deps.store.getWorkflow(role.workflowId));
  if (!role || !workflow) {
    const error = 'its workflow is gone (no record)';
    return void (await endTask(deps, task.id, { waiting: { status: 'REVOKED', error, time: deps.clock() } }));
  }
  if ('role' in role) return role.role === 'callback' ? repairJoin(deps, workflow) : undefined;
  const before = await deps.store.getTask(workflowTaskId(workflow.id, role.index - 1));
  if (before && isReady(before.status)) await settleEnded(deps, before);
}

/**
 * Look again at a WAITING task once `waitingBackoff` has passed since it was queued (each
 * look counted on the task's `resends`, so two reconcilers make one). True when it was looked at.
 */
export async function repairWaiting(deps: TaskDeps, task: Task, now: number, olderThan: number): Promise<boolean> {
  const looks = task.resends ?? 0;
  if (now - task.timeQueued < waitingBackoff(olderThan, looks)) return false;
  if (!(await deps.store.markResent(task.id, looks))) return false;
  await repairOne(deps, task);
  taskLogger(deps.logger, task).info({ looks: looks + 1 }, 'reconciler looked at a WAITING task');
  return true;
}
