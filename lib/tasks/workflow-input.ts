import { UnrecoverableError } from '../errors.js';
import { workflowRoleOf, workflowTaskId } from '../keys.js';
import { fromWire, type Task, toWire } from '../task.js';
import type { MemberOutcome } from '../workflow.js';
import { loadPayloads, loadResult } from '../payloads/claim-check.js';
import type { WorkflowRecord } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';

/** Members read per BatchGetItem. */
const PAGE = 100;

/** The public view of a task (what the wire carries). */
const publicTask = (task: Task) => fromWire(toWire(task));

/** A chord's members as they are now, in order; a member with no record (deleted, past its retention) is undefined. */
async function members(
  deps: Pick<TaskDeps, 'store' | 'payloads'>,
  workflow: WorkflowRecord,
): Promise<(Task | undefined)[]> {
  const all: (Task | undefined)[] = [];
  for (let first = 0; first < workflow.size; first += PAGE) {
    const ids = Array.from({ length: Math.min(PAGE, workflow.size - first) }, (_, n) =>
      workflowTaskId(workflow.id, first + n),
    );
    // A result kept in the payload bucket (docs/payloads.md) is read back.
    const tasks = await Promise.all(
      (await deps.store.getTasks(ids)).map(async (t) => ({ ...t, result: await loadResult(deps, t) })),
    );
    const found = new Map(tasks.map((t) => [t.id, t]));
    all.push(...ids.map((id) => found.get(id)));
  }
  return all;
}

/** A chord callback's input: every result (`all`: each member must have succeeded), or every outcome (`allSettled`). */
async function callbackInput(deps: Pick<TaskDeps, 'store' | 'payloads'>, workflow: WorkflowRecord): Promise<unknown[]> {
  const tasks = await members(deps, workflow);
  return tasks.map((task, n): unknown => {
    const id = workflowTaskId(workflow.id, n);
    if (workflow.policy === 'allSettled') {
      if (task?.status === 'SUCCESS') return { id, status: 'SUCCESS', result: task.result ?? null };
      const status = task?.status === 'REVOKED' ? 'REVOKED' : 'FAILURE';
      return { id, status, error: task?.error ?? 'no record: deleted, or past its retention' } as MemberOutcome;
    }
    if (task?.status !== 'SUCCESS')
      throw new UnrecoverableError(`member ${id} is ${task?.status ?? 'gone'}, not SUCCESS`);
    return task.result ?? null;
  });
}

/**
 * What a workflow's task gets as `input` (the third argument of its job's `run`), read from
 * the records when its attempt starts — results stay in their tasks' records, so an input
 * may be larger than an item or a message: a chain's later step, the result of the step
 * before; a chord's callback (or a parent's continuation), the members' results in order or
 * their outcomes (`allSettled`); an error path, the failed task (its `from_task`). Anything
 * else gets undefined. Throws UnrecoverableError when what it needs is gone.
 */
export async function workflowInput(deps: Pick<TaskDeps, 'store' | 'payloads'>, task: Task): Promise<unknown> {
  const role = workflowRoleOf(task.id);
  if (!role) return undefined;
  if ('role' in role && role.role === 'error') {
    const failed = task.fromTask ? await deps.store.getTask(task.fromTask) : undefined;
    return failed && publicTask(await loadPayloads(deps, failed));
  }
  const workflow = await deps.store.getWorkflow(role.workflowId);
  if (!workflow) return undefined;
  if ('role' in role) return callbackInput(deps, workflow);
  if (workflow.kind !== 'chain' || role.index === 0) return undefined;
  const before = await deps.store.getTask(workflowTaskId(workflow.id, role.index - 1));
  if (before?.status !== 'SUCCESS')
    throw new UnrecoverableError(`the step before, ${workflowTaskId(workflow.id, role.index - 1)}, is gone`);
  return (await loadResult(deps, before)) ?? null;
}
