/**
 * A running attempt's heartbeats, and the progress reports they carry. Progress never has a
 * write of its own: the latest report rides on the next lease write, or on the finish.
 */
import { checkProgress, PROGRESS_INTERVAL_SECONDS, type TaskProgress } from '../progress.js';
import type { TaskDeps } from '../tasks/deps.js';
import type { AttemptInput } from './attempt.js';
import type { StopReason } from './outcome.js';

/** A running attempt's heartbeats: `report` is `ctx.progress`; `stop` ends them. */
export interface Heartbeat {
  /** Check a job's report (ValidationError) and keep it as the latest, to be written soon. */
  report(value: unknown, message?: unknown): void;
  /**
   * Stop the heartbeats. Returns the latest report unless a write recorded it: the finish
   * writes it (also when a write carrying it is still in flight: a write that lands after the
   * finish fails its condition, one that lands before is written over with the same report).
   */
  stop(): TaskProgress | undefined;
}

/**
 * Heartbeats for a running attempt, every third of the lease: extend the lease, then the
 * message's visibility past it, so a live run is neither reclaimed nor delivered again and
 * a crashed one comes back soon after its lease. A lost claim or a revoke request stops
 * the attempt.
 *
 * A progress report is written by the next heartbeat; when that is further off than
 * `PROGRESS_INTERVAL_SECONDS` after the last write, by a progress write of its own kind: the
 * same lease write, the lease left where it is (so no visibility change is needed). So
 * reporting costs at most one DynamoDB write per `PROGRESS_INTERVAL_SECONDS` (1 write unit:
 * the head keeps room for it), whatever how often the job reports, and nothing on SQS.
 * Writes run one at a time; a failed one keeps its report for the next, unless a newer came.
 */
export function startHeartbeat(
  deps: Pick<TaskDeps, 'store' | 'queue' | 'clock'>,
  input: AttemptInput,
  halt: (reason: StopReason) => void,
): Heartbeat {
  const { task, leaseSeconds, log } = input;
  let leaseUntil = task.leaseUntil ?? deps.clock() + leaseSeconds;
  let lastWrite = performance.now();
  let pending: TaskProgress | undefined;
  /** The report a write in flight carries. */
  let carried: TaskProgress | undefined;
  let beatTimer: NodeJS.Timeout | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let writing: Promise<void> = Promise.resolve();

  /** One lease write: `extend` pushes the lease (and the message's visibility), else only carries progress. */
  const write = async (extend: boolean) => {
    const progress = pending;
    pending = undefined;
    try {
      const until = extend ? deps.clock() + leaseSeconds : leaseUntil;
      lastWrite = performance.now();
      carried = progress;
      const current = await deps.store.extendLease(task.id, task.attempts, until, progress).finally(() => {
        carried = undefined;
      });
      if (!current) return halt({ kind: 'lost-claim' });
      // A permit taken over (its lease lapsed) may be another run's now: this one stops, as on a lost claim.
      if (extend && input.permit && !(await deps.store.extendPermit(input.permit, until)))
        return halt({ kind: 'lost-claim' });
      leaseUntil = until;
      if (extend && input.beats) input.beats.count++;
      if (current.revokeRequested) return halt({ kind: 'revoked' });
      if (extend) await deps.queue.changeVisibility(input.message.receiptHandle, leaseSeconds + 1);
    } catch (err) {
      pending ??= progress;
      log.warn({ err }, 'heartbeat failed; trying again');
    }
  };
  const queued = (extend: boolean) => (writing = writing.then(() => write(extend)));

  let nextBeat = 0;
  const armBeat = () => {
    nextBeat = performance.now() + (leaseSeconds * 1000) / 3;
    beatTimer = setTimeout(beat, nextBeat - performance.now());
  };
  const beat = async () => {
    await queued(true);
    if (stopped) return;
    armBeat();
    armProgress(); // a report that came while the beat was being written
  };
  /** Write the pending report when the interval since the last write is out, unless a heartbeat comes first. */
  const armProgress = () => {
    const due = lastWrite + PROGRESS_INTERVAL_SECONDS * 1000;
    if (stopped || !pending || progressTimer || nextBeat <= due) return;
    progressTimer = setTimeout(writeProgress, Math.max(0, due - performance.now()));
  };
  const writeProgress = () => {
    progressTimer = undefined;
    // A heartbeat wrote since this was armed: wait out the interval from it.
    if (performance.now() < lastWrite + PROGRESS_INTERVAL_SECONDS * 1000) return armProgress();
    if (!stopped && pending) void queued(false);
  };
  armBeat();
  return {
    report(value, message) {
      pending = checkProgress(value, message);
      armProgress();
    },
    stop() {
      stopped = true;
      clearTimeout(beatTimer);
      clearTimeout(progressTimer);
      return pending ?? carried;
    },
  };
}
