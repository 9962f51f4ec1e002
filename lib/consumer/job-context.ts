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
  input: {
    task: Task;
    job: Job;
    log: Logger;
    signal: AbortSignal;
    worker: { id: string; running: Set<string> };
    /** The run's own trace context (lib/trace.ts): its sub-tasks continue the trace. */
    traceparent?: string;
    /** `ctx.progress`: keep a report for the next heartbeat (lib/consumer/heartbeat.ts). */
    progress: (value: unknown, message?: string) => void;
  },
): JobContext {
  const { task, job, log, signal, worker, traceparent } = input;
  return {
    taskId: task.id,
    job,
    task,
    signal,
    logger: log,
    worker: { id: worker.id, runningTasks: () => [...worker.running] },
    progress: async (value: unknown, message?: string) => input.progress(value, message),
    traceparent,
    queueTask: (job: string | Job, kwargs?: unknown, options: QueueTaskOptions = {}) =>
      queueTask(deps, typeof job === 'string' ? job : job.name, kwargs, {
        ...options,
        fromTask: task.id,
        caller: task.caller,
        traceparent,
      }),
    queueWorkflow: (spec) => queueWorkflowFrom(deps, task, spec) as Promise<any>,
    awaitChildren: (children, continuation, options) =>
      awaitChildren(deps, task, children, continuation, options) as Promise<any>,
  };
}
