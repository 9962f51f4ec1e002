import { ValidationError, WorkflowNotFoundError } from '../errors.js';
import { callbackTaskId, errorTaskId, workflowTaskId } from '../keys.js';
import { LIMITS } from '../limits.js';
import { isReady, type Task } from '../task.js';
import type { WorkflowStatus } from '../workflow.js';
import type { WorkflowCounts, WorkflowState } from '../workflow-state.js';
import type { JoinState, WorkflowRecord } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';
import type { QueuedWorkflow } from './workflow-queue.js';

/** A page of a workflow's members: `limit` of them (0: none, counts only) from `cursor`. */
export interface WorkflowPage {
  /** 0 to `LIMITS.maxListLimit`. @default 100 */
  limit?: number;
  cursor?: string;
}

/** The cursor of the members' page that starts at `index`: opaque to callers. */
export const workflowCursor = (index: number) => Buffer.from(JSON.stringify({ i: index })).toString('base64url');

/** The member index a cursor of `method` starts at; ValidationError for one it did not return. */
export function decodeWorkflowCursor(cursor: string, size: number, method = 'get_workflow'): number {
  try {
    const { i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isInteger(i) && i >= 0 && i <= size) return i;
  } catch {
    /* fall through */
  }
  throw new ValidationError(`cursor is not one that ${method} returned`);
}

/** The task whose result is the workflow's. */
const resultTaskOf = (w: WorkflowRecord) =>
  w.kind === 'chord' ? callbackTaskId(w.id) : w.kind === 'chain' ? workflowTaskId(w.id, w.size - 1) : undefined;

/**
 * The status: as recorded when the workflow ended; else what its tasks say (the record's end
 * is written just after its last task's, so a reader may come in between), or RUNNING.
 */
function statusOf(w: WorkflowRecord, counts: WorkflowCounts, result: Task | undefined): WorkflowStatus {
  if (w.status) return w.status;
  if (w.kind === 'chord') return result && isReady(result.status) ? (result.status as WorkflowStatus) : 'RUNNING';
  if (counts.pending) return 'RUNNING';
  return counts.failed ? 'FAILURE' : counts.revoked ? 'REVOKED' : 'SUCCESS';
}

function countsOf(size: number, join: Pick<JoinState, 'failed' | 'revoked'> & { ended: number }): WorkflowCounts {
  const { ended, failed, revoked } = join;
  return { total: size, pending: size - ended, succeeded: ended - failed - revoked, failed, revoked };
}

/** The state from the record, the counts and the tasks read. */
function stateOf(
  w: WorkflowRecord,
  counts: WorkflowCounts,
  tasks: { members: Task[]; next: number; result?: Task; error?: Task },
): WorkflowState {
  const status = statusOf(w, counts, tasks.result);
  const state: WorkflowState = {
    id: w.id,
    kind: w.kind,
    status,
    size: w.size,
    depth: w.depth,
    timeQueued: w.timeQueued,
    counts,
    members: tasks.members,
    cursor: tasks.next < w.size ? workflowCursor(tasks.next) : null,
  };
  const { result } = tasks;
  const optional = {
    policy: w.policy,
    parent: w.parent,
    fromTask: w.fromTask,
    timeEnded: w.timeEnded,
    resultTask: resultTaskOf(w),
    result: status === 'SUCCESS' && result?.status === 'SUCCESS' ? (result.result ?? null) : undefined,
    callback: w.kind === 'chord' ? result : undefined,
    linkError: w.linkError && { job: w.linkError.job, ...(tasks.error ? { task: tasks.error } : {}) },
  };
  for (const [field, value] of Object.entries(optional)) if (value !== undefined) (state as any)[field] = value;
  return state;
}

/**
 * `get_workflow`: the workflow, its counts (from the join: no task is read for them), its
 * callback or last step, its error path, and a page of its steps or members in order.
 * Throws WorkflowNotFoundError, or ValidationError for a bad page.
 */
export async function getWorkflowState(
  deps: Pick<TaskDeps, 'store'>,
  id: string,
  page: WorkflowPage = {},
): Promise<WorkflowState> {
  const { store } = deps;
  const workflow = await store.getWorkflow(id);
  if (!workflow) throw new WorkflowNotFoundError(id);
  const limit = page.limit ?? LIMITS.defaultListLimit;
  const first = page.cursor ? decodeWorkflowCursor(page.cursor, workflow.size) : 0;
  const next = Math.min(workflow.size, first + limit);
  const ids = Array.from({ length: next - first }, (_, n) => workflowTaskId(id, first + n));
  const resultId = resultTaskOf(workflow);
  const [join, members, result, error] = await Promise.all([
    store.readJoin(id, workflow.size),
    ids.length ? store.getTasks(ids) : [],
    resultId ? store.getTask(resultId) : undefined,
    workflow.linkError ? store.getTask(errorTaskId(id)) : undefined,
  ]);
  const counts = countsOf(workflow.size, { ...join, ended: join.counted.size });
  return stateOf(workflow, counts, { members, next, result, error });
}

/** A workflow just queued, as `get_workflow` would show it, from what was written: no read. */
export function queuedState({ workflow, tasks, callback }: QueuedWorkflow, limit = LIMITS.defaultListLimit) {
  const ended = tasks.filter((t) => isReady(t.status));
  const count = (status: string) => ended.filter((t) => t.status === status).length;
  const counts = countsOf(workflow.size, { ended: ended.length, failed: count('FAILURE'), revoked: count('REVOKED') });
  const result = workflow.kind === 'chain' ? tasks[tasks.length - 1] : callback;
  return stateOf(workflow, counts, { members: tasks.slice(0, limit), next: Math.min(limit, workflow.size), result });
}
