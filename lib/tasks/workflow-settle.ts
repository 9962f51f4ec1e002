/**
 * What a workflow task's end sets going: the join's count, a chain's next step, a chord's
 * callback, the error path, a parent's end. Called by `endTask` once a task is ready (the
 * one end path: the consumer, revoke and the reconciler all end tasks there), and again by
 * the consumer for a redelivered message of a ready task, and by the reconciler: every step
 * is conditional, so running it twice does nothing more (a crash between a task's end and
 * this is made good by the next run).
 */
import { ConflictError, ValidationError } from '../errors.js';
import { callbackTaskId, errorTaskId, JOIN_SHARD, workflowRoleOf, workflowTaskId } from '../keys.js';
import { LIMITS, truncateBytes } from '../limits.js';
import { taskLogger } from '../log.js';
import type { Outcome } from '../store.js';
import type { Task } from '../task.js';
import type { EndedStatus, WorkflowRecord } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';
import type { TaskEnd } from './end.js';
import { queueTask } from './enqueue.js';
import { sendTaskMessage } from './send.js';

/** `endTask`, passed in (it calls this module). */
export type EndFn = (deps: TaskDeps, id: string, end: TaskEnd) => Promise<Task | undefined>;

/** A ready task's end, seen by its workflow. Nothing for a task of no workflow. */
export async function settleWorkflowTask(deps: TaskDeps, task: Task, end: EndFn): Promise<void> {
  const role = workflowRoleOf(task.id);
  if (!role) return;
  const workflow = await deps.store.getWorkflow(role.workflowId);
  if (!workflow) return;
  if ('index' in role) await settleMember(deps, workflow, role.index, task, end);
  else if (role.role === 'callback') await settleCallback(deps, workflow, task, end);
}

/** Why a task that waited ends without a run, for the task it waited for. */
const waitedFor = (task: Pick<Task, 'id' | 'status' | 'error'>) =>
  truncateBytes(`${task.id} ended ${task.status}${task.error ? `: ${task.error}` : ''}`, LIMITS.errorBytes);

/** A step or member ended: count it, then what its workflow's kind says. */
export async function settleMember(
  deps: TaskDeps,
  workflow: WorkflowRecord,
  index: number,
  task: Pick<Task, 'id' | 'status' | 'error'>,
  end: EndFn,
): Promise<void> {
  if (index >= workflow.size) return;
  const status = task.status as EndedStatus;
  const { complete } = await deps.store.countMember(workflow.id, { index, status, size: workflow.size });
  if (workflow.kind === 'chain') await advanceChain(deps, workflow, index, task, end);
  if (workflow.kind === 'chord') {
    if (status !== 'SUCCESS' && workflow.policy !== 'allSettled') await failChord(deps, workflow, task, end);
    if (complete) await releaseTask(deps, callbackTaskId(workflow.id));
  } else if (complete) await endByCounts(deps, workflow);
}

/**
 * A member of an `all` chord ended otherwise than SUCCESS: the chord fails. Its error path
 * is queued first, with this member as its input (`from_task`: the task that failed, with
 * its error), then the callback ends FAILURE without running (its own end would queue the
 * error path with the callback: a no-op by then, the id being derived). Nothing once the
 * workflow has ended or its callback is not WAITING (a revoked workflow queues no error path;
 * a second failed member finds the chord failed) — which also spares a revoke of 10,000
 * members a write each.
 */
async function failChord(
  deps: TaskDeps,
  workflow: WorkflowRecord,
  member: Pick<Task, 'id' | 'status' | 'error'>,
  end: EndFn,
) {
  if (workflow.status) return;
  const callbackId = callbackTaskId(workflow.id);
  if ((await deps.store.getTask(callbackId))?.status !== 'WAITING') return;
  await queueErrorPath(deps, workflow, member.id);
  const outcome = { status: 'FAILURE', error: `member ${waitedFor(member)}`, time: deps.clock() } as const;
  await end(deps, callbackId, { waiting: outcome });
}

/** A chain's step ended: the next runs if it succeeded; otherwise the next ends REVOKED (and so on), and a FAILURE takes the error path. */
async function advanceChain(
  deps: TaskDeps,
  workflow: WorkflowRecord,
  index: number,
  task: Pick<Task, 'id' | 'status' | 'error'>,
  end: EndFn,
) {
  if (task.status === 'FAILURE') await queueErrorPath(deps, workflow, task.id);
  if (index + 1 >= workflow.size) return;
  const next = workflowTaskId(workflow.id, index + 1);
  if (task.status === 'SUCCESS') return void (await releaseTask(deps, next));
  await end(deps, next, {
    waiting: { status: 'REVOKED', error: `not run: step ${waitedFor(task)}`, time: deps.clock() },
  });
}

/** The chord's callback (or a parent's continuation) ended: so did the workflow; a parent takes its outcome. */
async function settleCallback(deps: TaskDeps, workflow: WorkflowRecord, callback: Task, end: EndFn): Promise<void> {
  const status = callback.status as EndedStatus;
  await deps.store.endWorkflow(workflow.id, { status, time: callback.timeEnded ?? deps.clock() });
  if (status === 'FAILURE') await queueErrorPath(deps, workflow, callback.id);
  if (workflow.parent) await end(deps, workflow.parent, { waiting: parentOutcome(callback, deps.clock()) });
}

/** A parent's outcome from its continuation's: the same result, or its error. */
function parentOutcome(callback: Task, time: number): Outcome & { status: EndedStatus } {
  const status = callback.status as EndedStatus;
  if (status === 'SUCCESS') return { status, resultJson: JSON.stringify(callback.result ?? null), time };
  return { status, error: `its continuation ${waitedFor(callback)}`, time };
}

/** A chain's or group's last task was counted: the workflow ends with its worst outcome. */
async function endByCounts(deps: TaskDeps, workflow: WorkflowRecord): Promise<void> {
  if (workflow.status) return;
  const join = await deps.store.readJoin(workflow.id, workflow.size);
  const status = join.failed ? 'FAILURE' : join.revoked ? 'REVOKED' : 'SUCCESS';
  await deps.store.endWorkflow(workflow.id, { status, time: deps.clock() });
}

/**
 * Every member is counted (`readJoin` says so) but what follows may not have happened (a
 * crash between a shard's last count and the top's, or before the release): count each
 * shard on the top again, then release the callback or end the workflow. Only for a join
 * whose every member is counted: a member not counted yet would be counted a SUCCESS.
 */
export async function completeJoin(deps: TaskDeps, workflow: WorkflowRecord): Promise<void> {
  let complete = false;
  for (let first = 0; first < workflow.size; first += JOIN_SHARD) {
    ({ complete } = await deps.store.countMember(workflow.id, {
      index: first,
      status: 'SUCCESS',
      size: workflow.size,
    }));
  }
  if (!complete) return;
  if (workflow.kind === 'chord') await releaseTask(deps, callbackTaskId(workflow.id));
  else await endByCounts(deps, workflow);
}

/**
 * A WAITING task's turn: QUEUED, due now (its job's `expires` counted from now), and its
 * message sent. Only a WAITING task is released, once: a second call, or one for a task
 * that ended meanwhile, does nothing.
 */
export async function releaseTask(deps: TaskDeps, id: string): Promise<void> {
  const task = await deps.store.getTask(id);
  if (task?.status !== 'WAITING') return;
  const now = deps.clock();
  const expires = deps.registry.get(task.name)?.expires || undefined;
  const released = await deps.store.releaseTask(id, { time: now, expiry: expires && now + expires });
  if (!released) return;
  taskLogger(deps.logger, released).info('workflow task released: its turn came');
  await sendTaskMessage(deps, released);
}

/** The workflow's error path, once (its id is derived), with the failed task as its input (`from_task`). */
async function queueErrorPath(deps: TaskDeps, workflow: WorkflowRecord, failed: string): Promise<void> {
  if (!workflow.linkError) return;
  const { job, kwargs } = workflow.linkError;
  try {
    await queueTask(
      deps,
      job,
      kwargs,
      { fromTask: failed, caller: workflow.caller },
      { derivedId: errorTaskId(workflow.id) },
    );
  } catch (err) {
    // A deploy took the job away, or its schema changed: nothing a retry would mend.
    if (!(err instanceof ValidationError || err instanceof ConflictError)) throw err;
    deps.logger.error({ workflow: workflow.id, err }, "the workflow's error path could not be queued");
  }
}
