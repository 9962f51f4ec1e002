import { UnrecoverableError, ValidationError } from '../errors.js';
import type { Job, Kwargs } from '../job.js';
import type { Logger } from '../log.js';
import type { HeldPermit } from '../permit-store.js';
import type { ReceivedMessage } from '../queue.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { checkKwargs } from '../tasks/options.js';
import { workflowInput } from '../tasks/workflow-input.js';
import { createJobContext } from './job-context.js';
import { kwargsCap, loadKwargs } from '../payloads/claim-check.js';
import type { RunResult, StopReason } from './outcome.js';
import { type Invocation, timeLimitOf } from './time-budget.js';
import { startHeartbeat } from './heartbeat.js';
import type { TaskProgress } from '../progress.js';

/** One claimed attempt to run, and where it runs. */
export interface AttemptInput {
  task: Task;
  job: Job;
  message: ReceivedMessage;
  log: Logger;
  invocation?: Invocation;
  /** Seconds a claim is exclusive without a heartbeat. */
  leaseSeconds: number;
  /** This worker: its id and the ids of the tasks it runs now (shown to jobs as `ctx.worker`). */
  worker: { id: string; running: Set<string> };
  /** Counts the heartbeats that extended the lease (for the task's cost). */
  beats?: { count: number };
  /** The per-key concurrency permit the run holds: each heartbeat extends it with the lease. */
  permit?: HeldPermit;
  /** The run's own trace context (a child of the task's), if the task is in a trace. */
  traceparent?: string;
  /** Set when the attempt ends: its latest progress report no heartbeat wrote (the finish writes it). */
  unwritten?: { progress?: TaskProgress };
}

/**
 * The kwargs `run` receives: the stored JSON — read back from the payload bucket when the
 * task's item names an object (lib/payloads/claim-check.ts), and set on `view`, the task as
 * `ctx.task` shows it — through the job's schema when it has one (its output: transforms
 * apply here). Stored kwargs the schema refuses now (it changed since the task was queued)
 * throw UnrecoverableError naming the field: no retry would pass.
 */
async function kwargsForRun(deps: TaskDeps, job: Job, view: Task): Promise<Kwargs> {
  view.kwargs = await loadKwargs(deps, view);
  if (!job.schema) return view.kwargs;
  try {
    return (await checkKwargs(view.kwargs, job.schema, kwargsCap(deps))).value;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new UnrecoverableError(`the stored kwargs do not pass the job's schema: ${err.message}`, { cause: err });
  }
}

/**
 * Run a claimed task's job body under heartbeats, a time limit and revoke, with its kwargs
 * and its workflow input (lib/tasks/workflow-input.ts). The job gets `ctx.signal`, aborted
 * when the attempt is stopped. Resolves with how the body ended; a
 * stopped attempt resolves at once, without waiting for a body that ignores its signal.
 */
export async function runAttempt(deps: TaskDeps, input: AttemptInput): Promise<RunResult> {
  const { task, job, worker } = input;
  const abort = new AbortController();
  let stop: StopReason | undefined;
  const halt = (reason: StopReason) => {
    if (!stop) (stop = reason), abort.abort(new Error(reason.kind));
  };
  const stopped = new Promise<RunResult>((resolve) =>
    abort.signal.addEventListener('abort', () => resolve({ stopped: stop! }), { once: true }),
  );
  const heartbeat = startHeartbeat(deps, input, halt);
  const limit = timeLimitOf(job, input.invocation);
  const limitTimer = Number.isFinite(limit.seconds)
    ? setTimeout(() => halt({ kind: 'time-limit', ...limit }), Math.max(0, limit.seconds) * 1000)
    : undefined;
  // The job's view of its task: its kwargs as read back when kept in the payload bucket.
  const view = { ...task };
  const ctx = createJobContext(deps, {
    task: view,
    job,
    log: input.log,
    signal: abort.signal,
    worker,
    traceparent: input.traceparent,
    progress: (value, message) => heartbeat.report(value, message),
  });
  worker.running.add(task.id);
  try {
    const run = Promise.resolve()
      .then(() => Promise.all([kwargsForRun(deps, job, view), workflowInput(deps, task)]))
      .then(([kwargs, flowInput]) => job.run(ctx, kwargs, flowInput))
      .then(
        (value): RunResult => ({ value }),
        (error): RunResult => ({ error }),
      );
    const result = await Promise.race([run, stopped]);
    // A stop that came while the body was ending wins: its lease or revoke is what counts.
    return stop ? { stopped: stop } : result;
  } finally {
    worker.running.delete(task.id);
    clearTimeout(limitTimer);
    if (!stop) abort.abort(new Error('finished'));
    const progress = heartbeat.stop();
    if (input.unwritten) input.unwritten.progress = progress;
  }
}
