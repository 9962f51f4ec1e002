/**
 * The consumer's side of per-key limits (docs/limits.md): before its claim, a task of a
 * limited job takes a permit (concurrency) and a count in its rate window; over a limit it
 * waits, and the delivered message is deleted. Over its concurrency limit it is parked
 * (lib/tasks/parking.ts: WAITING in its key's queue until a run of the key hands it its
 * permit); over its rate limit it gets a fresh message delayed until the next window. Either
 * way no attempt is counted, and the receive count of a new message starts again, so waiting
 * never brings a task nearer the dead-letter queue (maxReceiveCount counts one message's receives).
 */
import type { Job } from '../job.js';
import { type TaskLimits, taskLimits, waitSeconds } from '../key-limits.js';
import { taskLogger } from '../log.js';
import type { HeldPermit } from '../permit-store.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { releasePermit } from '../tasks/end.js';
import { checkKwargs } from '../tasks/options.js';
import { sendTaskMessage } from '../tasks/send.js';

/**
 * What the limits answer a task: go, holding `permit` (when the job has a concurrency limit),
 * park for a permit of its concurrency key, or wait `wait` seconds for its rate window.
 */
export type LimitGate =
  | { permit?: HeldPermit }
  | { park: NonNullable<TaskLimits['concurrency']> }
  | { wait: number; limit: 'rate'; key: string };

/**
 * Take what `task`'s limits ask, in order: a permit of its concurrency key, then a count in its
 * rate window — the permit given back if the window is full, so a waiting task holds nothing.
 * The keys come from the kwargs as `run` gets them (through the job's schema). Throws
 * ValidationError when the stored kwargs give no key now (the schema or the key function
 * changed since the task was queued).
 */
export async function passKeyLimits(deps: TaskDeps, job: Job, task: Task, leaseSeconds: number): Promise<LimitGate> {
  const kwargs = job.schema ? (await checkKwargs(task.kwargs, job.schema)).value : task.kwargs;
  const { concurrency, rate } = taskLimits(job, kwargs);
  const now = deps.clock();
  // How long it has waited already: its jitter grows with it (lib/key-limits.ts waitSeconds).
  const waited = now - (task.eta ?? task.timeQueued);
  let permit: HeldPermit | undefined;
  if (concurrency) {
    const take = {
      key: concurrency.hash,
      limit: concurrency.limit,
      taskId: task.id,
      now,
      leaseUntil: now + leaseSeconds,
    };
    const taken = await deps.store.takePermit(take);
    if (!taken.taken) return { park: concurrency };
    permit = taken.permit;
  }
  if (rate) {
    const taken = await deps.store.takeWindow({ key: rate.hash, max: rate.max, per: rate.per, now });
    if (!taken.taken) {
      if (permit) await releasePermit(deps, permit);
      return { wait: waitSeconds(taken.retryAt - now, waited), limit: 'rate', key: rate.label };
    }
  }
  return { permit };
}

/** The task waits for its rate window: a fresh message delayed `gate.wait` seconds (the delivered one is then deleted). */
export async function waitForKeyLimit(
  deps: TaskDeps,
  task: Task,
  gate: { wait: number; limit: string; key: string },
): Promise<void> {
  await sendTaskMessage(deps, task, gate.wait);
  taskLogger(deps.logger, task).info(
    { wait_seconds: gate.wait, limit: gate.limit, key: gate.key },
    'over its per-key limit: waits (no attempt counted)',
  );
}
