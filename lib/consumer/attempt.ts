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
  /** The per-key concurrency permit the run holds: each heartbeat extends it with the lease. */
  permit?: HeldPermit;
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
      const leaseUntil = deps.clock() + leaseSeconds;
      const current = await deps.store.extendLease(task.id, task.attempts, leaseUntil);
      if (!current) return halt({ kind: 'lost-claim' });
      // A permit taken over (its lease lapsed) may be another run's now: this one stops, as on a lost claim.
      if (input.permit && !(await deps.store.extendPermit(input.permit, leaseUntil)))
        return halt({ kind: 'lost-claim' });
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
 * The kwargs `run` receives: the stored JSON, through the job's schema when it has one (its
 * output: transforms apply here). Stored kwargs the schema refuses now (it changed since the
 * task was queued) throw UnrecoverableError naming the field: no retry would pass.
 */
async function kwargsForRun(job: Job, task: Task): Promise<Kwargs> {
  if (!job.schema) return task.kwargs;
  try {
    return (await checkKwargs(task.kwargs, job.schema)).value;
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
  const stopHeartbeat = startHeartbeat(deps, input, halt);
  const limit = timeLimitOf(job, input.invocation);
  const limitTimer = Number.isFinite(limit.seconds)
    ? setTimeout(() => halt({ kind: 'time-limit', ...limit }), Math.max(0, limit.seconds) * 1000)
    : undefined;
  const ctx = createJobContext(deps, { task, job, log: input.log, signal: abort.signal, worker });
  worker.running.add(task.id);
  try {
    const run = Promise.resolve()
      .then(() => Promise.all([kwargsForRun(job, task), workflowInput(deps, task)]))
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
    stopHeartbeat();
    clearTimeout(limitTimer);
    if (!stop) abort.abort(new Error('finished'));
  }
}
