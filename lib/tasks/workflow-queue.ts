import { createHash, randomUUID } from 'node:crypto';
import { mapSettled } from '../concurrency.js';
import { SkytaskError, ValidationError, WorkflowConflictError } from '../errors.js';
import { callbackTaskId, CALLER_ID_RULE, canonicalJson, isCallerTaskId, workflowTaskId } from '../keys.js';
import { LIMITS } from '../limits.js';
import type { Task } from '../task.js';
import type { Signature, WorkflowSpec } from '../workflow.js';
import type { WorkflowRecord } from '../workflow-store.js';
import type { TaskDeps } from './deps.js';
import { endTask } from './end.js';
import { batchShare, buildTask, writeTask } from './enqueue.js';
import { checkKwargs } from './options.js';
import { sendTaskMessages } from './send.js';

/** What skytask adds to a workflow that a task queues (`ctx`), or to a parent's children. */
export interface WorkflowOrigin {
  /** A derived id (a parent's children). */
  id?: string;
  /** The WAITING task the chord's callback ends. */
  parent?: string;
  /** The task that queues the workflow: its tasks' `from_task`. */
  fromTask?: string;
  /** 1 + the depth of the queuing task's workflow. @default 1 */
  depth?: number;
  caller?: string;
}

/** A queued workflow: its record, its indexed tasks as written (in order), its callback. */
export interface QueuedWorkflow {
  workflow: WorkflowRecord;
  tasks: Task[];
  callback?: Task;
}

/** One task to write: where it sits, whether it waits for others. */
interface Planned {
  label: string;
  signature: Signature;
  id: string;
  waits: boolean;
}

/** The tasks of a workflow, in the order they are written: those that wait first (nothing can release a task not yet written). */
function plan(spec: WorkflowSpec, id: string): Planned[] {
  const list = spec.kind === 'chain' ? spec.steps : spec.members;
  const name = spec.kind === 'chain' ? 'steps' : 'members';
  if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.maxWorkflowTasks) {
    throw new ValidationError(`${name} must be a list of 1 to ${LIMITS.maxWorkflowTasks} tasks`);
  }
  const indexed = list.map((signature, n) => ({
    label: `${name}[${n}]`,
    signature,
    id: workflowTaskId(id, n),
    waits: spec.kind === 'chain' && n > 0,
  }));
  const callback =
    spec.kind === 'chord' ? [{ label: 'callback', signature: spec.callback, id: callbackTaskId(id), waits: true }] : [];
  return [...callback, ...indexed.filter((p) => p.waits), ...indexed.filter((p) => !p.waits)];
}

/** A ValidationError of one task (its class kept: an UnknownJobError stays one), its message prefixed with where the task sits (`members[3]: …`). */
async function labelled<T>(label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ValidationError) err.message = `${label}: ${err.message}`;
    throw err;
  }
}

/** Check and build one task's record. A task that waits takes no timing option: its job's `expires` counts from its release. */
async function build(deps: TaskDeps, p: Planned, origin: WorkflowOrigin): Promise<Task> {
  return labelled(p.label, async () => {
    const { signature } = p;
    if (typeof signature?.job !== 'string') throw new ValidationError('must be a signature: { job, kwargs, options }');
    const timing = signature.options ?? {};
    if (p.waits && Object.values(timing).some((v) => v !== undefined)) {
      throw new ValidationError(
        "a task that waits for others takes no delay, eta or expiry (its job's expires counts from its release)",
      );
    }
    const options = { ...(p.waits ? {} : timing), fromTask: origin.fromTask, caller: origin.caller };
    const { task } = await buildTask(deps, signature.job, signature.kwargs ?? {}, options, { derivedId: p.id });
    if (!p.waits) return task;
    const { eta: _eta, expiry: _expiry, ...waiting } = task;
    return { ...waiting, status: 'WAITING' };
  });
}

/** The workflow's record: its checked options, the hash of what it asks. */
async function recordOf(deps: TaskDeps, spec: WorkflowSpec, id: string, tasks: Task[], origin: WorkflowOrigin) {
  const { linkError } = spec.options as { linkError?: Signature };
  const policy = spec.kind === 'chord' ? (spec.options.policy ?? 'all') : undefined;
  if (policy !== undefined && policy !== 'all' && policy !== 'allSettled')
    throw new ValidationError('policy must be "all" or "allSettled"');
  const depth = origin.depth ?? 1;
  if (depth > LIMITS.maxWorkflowDepth)
    throw new ValidationError(
      `workflows nest at most ${LIMITS.maxWorkflowDepth} deep (a task of a workflow queueing another counts one)`,
    );
  let error: WorkflowRecord['linkError'];
  if (linkError !== undefined) {
    await labelled('linkError', async () => {
      if (typeof linkError?.job !== 'string') throw new ValidationError('must be a signature: { job, kwargs }');
      error = {
        job: deps.registry.require(linkError.job).name,
        kwargs: (await checkKwargs(linkError.kwargs ?? {})).json,
      };
    });
  }
  const request = canonicalJson({
    kind: spec.kind,
    policy,
    error,
    parent: origin.parent,
    tasks: tasks.map((t) => [t.id, t.name, t.kwargs, t.status]),
  });
  const size = spec.kind === 'chain' ? spec.steps.length : spec.members.length;
  const optional = {
    policy,
    linkError: error,
    parent: origin.parent,
    fromTask: origin.fromTask,
    caller: origin.caller,
  };
  return {
    id,
    kind: spec.kind,
    size,
    depth,
    timeQueued: deps.clock(),
    request: createHash('sha256').update(request).digest('hex').slice(0, 40),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  } as WorkflowRecord;
}

/** The id a caller gave: a caller's task id, short enough for its tasks' ids. */
function checkWorkflowId(id: unknown): void {
  if (id === undefined) return;
  if (!isCallerTaskId(id) || id.length > LIMITS.workflowIdLength) {
    throw new ValidationError(`workflow ${CALLER_ID_RULE.replace('1-128', `1-${LIMITS.workflowIdLength}`)}`);
  }
}

/**
 * Write the tasks (those that wait first), `concurrency` at a time. A task whose non-overlap
 * lock an equal task holds is written without it and ends REVOKED at once, so that the
 * workflow still counts every one of its tasks. Throws the first write error.
 */
async function writeAll(deps: TaskDeps, tasks: Task[], lookFirst: boolean) {
  // The tasks that run now are sent in tens; one that waits is sent alone at its release.
  const now = tasks.filter((t) => t.status !== 'WAITING');
  const order = new Map(now.map((t, i) => [t, i]));
  const shareOf = (task: Task) => (task.status === 'WAITING' ? 1 : batchShare(order.get(task)!, now.length));
  const results = await mapSettled(tasks, 16, async (task) => {
    const recorded = await writeTask(deps, task, lookFirst, shareOf(task));
    if (recorded) return recorded;
    await writeTask(deps, { ...task, lockId: undefined }, false);
    const reason = 'not run: an equal task of this job (it cannot overlap) is not finished';
    return { task: (await endTask(deps, task.id, { idle: 'REVOKED', reason })) ?? task, created: false };
  });
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<{ task: Task; created: boolean }>).value);
}

/**
 * Queue a workflow (lib/workflow.ts): check every task first (nothing is written if one is
 * refused: ValidationError naming it, `members[3]: kwargs …`), write the workflow's record,
 * then its tasks' records — those that wait (WAITING) before those that run now — then the
 * messages of those that run now, in batches of 10. An id queued again with the same
 * request writes nothing new (and finishes what a crashed first call left unwritten);
 * another request under it is a WorkflowConflictError. Throws SkytaskError when records
 * were written but messages could not be sent (the reconciler sends them).
 */
export async function queueWorkflow(
  deps: TaskDeps,
  spec: WorkflowSpec,
  origin: WorkflowOrigin = {},
): Promise<QueuedWorkflow> {
  if (!spec || !['chain', 'group', 'chord'].includes((spec as { kind?: string }).kind ?? ''))
    throw new ValidationError('a workflow is a chain, a group or a chord');
  checkWorkflowId((spec.options as { id?: unknown } | undefined)?.id);
  const id = origin.id ?? (spec.options?.id as string | undefined) ?? randomUUID();
  const planned = plan(spec, id);
  const tasks = await Promise.all(planned.map((p) => build(deps, p, origin)));
  const workflow = await recordOf(deps, spec, id, tasks, origin);
  const existing = await deps.store.createWorkflow(workflow);
  if (existing && existing.request !== workflow.request) throw new WorkflowConflictError(workflow.id);
  const written = await writeAll(deps, tasks, existing !== undefined);
  // New, or queued again after a first call whose send failed (as queue_task re-sends).
  const toSend = written
    .filter(({ task, created }) => task.status === 'QUEUED' && (created || task.sendError !== undefined))
    .map((r) => r.task);
  const errors = (await sendTaskMessages(deps, toSend)).filter((e) => e !== undefined);
  if (errors.length) {
    throw new SkytaskError(
      `workflow ${workflow.id} was recorded, but ${errors.length} of its messages could not be sent`,
      {
        cause: errors[0],
      },
    );
  }
  const byId = new Map(written.map((r) => [r.task.id, r.task]));
  return {
    workflow: existing ?? workflow,
    tasks: Array.from({ length: workflow.size }, (_, n) => byId.get(workflowTaskId(workflow.id, n))!),
    callback: byId.get(callbackTaskId(workflow.id)),
  };
}
