import { UnrecoverableError, ValidationError } from '../errors.js';
import type { Job, JobContext, Kwargs } from '../job.js';
import type { Logger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { queueTask } from '../tasks/enqueue.js';
import { checkKwargs } from '../tasks/options.js';
import { kwargsCap, loadKwargs } from '../payloads/claim-check.js';
import type { RunResult, StopReason } from './outcome.js';
import { type Invocation, timeLimitOf } from './time-budget.js';

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
}

/**
 * Heartbeats for a running attempt, every third of the lease: extend the lease, then the
 * message's visibility past it, so a live run is neither reclaimed nor delivered again and
 * a crashed one comes back soon after its lease. A lost claim or a revoke request stops
 * the attempt. Returns a function that stops the heartbeats.
 */
function startHeartbeat(
  deps: Pick<TaskDeps, 'store' | 'queue' | 'clock'>,
  input: AttemptInput,
  halt: (reason: StopReason) => void,
) {
  const { task, leaseSeconds, log } = input;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    try {
      const current = await deps.store.extendLease(task.id, task.attempts, deps.clock() + leaseSeconds);
      if (!current) return halt({ kind: 'lost-claim' });
      if (input.beats) input.beats.count++;
      if (current.revokeRequested) return halt({ kind: 'revoked' });
      await deps.queue.changeVisibility(input.message.receiptHandle, leaseSeconds + 1);
    } catch (err) {
      log.warn({ err }, 'heartbeat failed; trying again');
    }
    if (!stopped) timer = setTimeout(beat, (leaseSeconds * 1000) / 3);
  };
  timer = setTimeout(beat, (leaseSeconds * 1000) / 3);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
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
 * Run a claimed task's job body under heartbeats, a time limit and revoke. The job gets
 * `ctx.signal`, aborted when the attempt is stopped. Resolves with how the body ended; a
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
  const stopHeartbeat = startHeartbeat(deps, input, halt);
  const limit = timeLimitOf(job, input.invocation);
  const limitTimer = Number.isFinite(limit.seconds)
    ? setTimeout(() => halt({ kind: 'time-limit', ...limit }), Math.max(0, limit.seconds) * 1000)
    : undefined;
  const view = { ...task };
  const ctx: JobContext = {
    taskId: task.id,
    job,
    task: view,
    signal: abort.signal,
    logger: input.log,
    worker: { id: worker.id, runningTasks: () => [...worker.running] },
    queueTask: (job: string | Job, kwargs?: unknown) =>
      queueTask(deps, typeof job === 'string' ? job : job.name, kwargs, { fromTask: task.id, caller: task.caller }),
  };
  worker.running.add(task.id);
  try {
    const run = Promise.resolve()
      .then(() => kwargsForRun(deps, job, view))
      .then((kwargs) => job.run(ctx, kwargs))
      .then(
        (value): RunResult => ({ value }),
        (error): RunResult => ({ error }),
      );
    const result = await Promise.race([run, stopped]);
    // A stop that came while the body was ending wins: its lease or revoke is what counts.
    return stop ? { stopped: stop } : result;
  } finally {
    worker.running.delete(task.id);
    stopHeartbeat();
    clearTimeout(limitTimer);
    if (!stop) abort.abort(new Error('finished'));
  }
}
