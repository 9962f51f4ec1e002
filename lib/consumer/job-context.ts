import type { Job, JobContext } from '../job.js';
import type { Logger } from '../log.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { queueTask } from '../tasks/enqueue.js';
import type { QueueTaskOptions } from '../tasks/options.js';
import { awaitChildren, queueWorkflowFrom } from '../tasks/workflow-children.js';

/** What a job body is given besides its kwargs (lib/job.ts `JobContext`), for one attempt. */
export function createJobContext(
  deps: TaskDeps,
  input: { task: Task; job: Job; log: Logger; signal: AbortSignal; worker: { id: string; running: Set<string> } },
): JobContext {
  const { task, job, log, signal, worker } = input;
  return {
    taskId: task.id,
    job,
    task,
    signal,
    logger: log,
    worker: { id: worker.id, runningTasks: () => [...worker.running] },
    queueTask: (job: string | Job, kwargs?: unknown, options: QueueTaskOptions = {}) =>
      queueTask(deps, typeof job === 'string' ? job : job.name, kwargs, {
        ...options,
        fromTask: task.id,
        caller: task.caller,
      }),
    queueWorkflow: (spec) => queueWorkflowFrom(deps, task, spec) as Promise<any>,
    awaitChildren: (children, continuation, options) =>
      awaitChildren(deps, task, children, continuation, options) as Promise<any>,
  };
}
