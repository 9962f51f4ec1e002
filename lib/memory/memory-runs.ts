/**
 * The memory store's verbs of a run (claim, fenced finish, lease, revoke request) and of
 * ending idle tasks, re-send counts and redrives: the adapter's conditions and answers, and
 * its write units counted over the items it would write (memory-cost.ts).
 */
import { LIMITS, truncateBytes } from '../limits.js';
import { progressText } from '../progress.js';
import type { ClaimResult, Outcome, TaskStore } from '../store.js';
import { bodyTtl, failureOf, type Item } from '../task-side-items.js';
import { costOf, finishCost, keepSides, newFail } from './memory-cost.js';
import type { MemoryState } from './memory-state.js';
import { isIdle } from '../task.js';
import { isClaimable, isExpired, isHeldBy, patch, type TaskRecord, toTask } from './task-record.js';

/**
 * What a finish writes on a record, as the adapter's finish writes the head: the outcome
 * replaces the last one whole (a field it does not give is cleared). A ready outcome's error
 * fields are the record's own, and it names no fail item; a RETRY's are in `fail`.
 */
function outcomeFields(r: TaskRecord, outcome: Outcome, retention: number, fail?: Item): Partial<TaskRecord> {
  const ready = outcome.status !== 'RETRY';
  const failure = failureOf(outcome);
  return {
    status: outcome.status,
    timeEnded: outcome.time,
    resultJson: outcome.resultJson,
    error: ready ? failure.error : undefined,
    stack: ready ? failure.stack : undefined,
    errorsJson: ready ? failure.errors : undefined,
    fail,
    eta: outcome.eta,
    ttl: ready ? Math.ceil(outcome.time + retention) : undefined,
    leaseUntil: undefined,
    // As the adapter: a ready task keeps its last progress, a RETRY's next attempt starts without.
    progressJson: ready ? (outcome.progress ? progressText(outcome.progress) : r.progressJson) : undefined,
    // A revoke asked while the attempt ran outlives a RETRY (as the adapter).
    revokeRequested: ready ? undefined : r.revokeRequested,
  };
}

/** The verbs of a run: claim, fenced finish, lease, revoke request. */
export function runVerbs(
  state: MemoryState,
): Pick<TaskStore, 'claimTask' | 'finishTask' | 'extendLease' | 'requestRevoke'> {
  const { retention, tasks, running, read, write, update } = state;
  return {
    async claimTask({ id, now, leaseUntil, worker }): Promise<ClaimResult> {
      const task = update(
        id,
        (r) => isClaimable(r, now),
        (r) => {
          const attempt = (r.attempts ?? 0) + 1;
          const units = costOf(r, (c) =>
            patch(c, { status: 'STARTED', timeStarted: now, leaseUntil, worker, attempts: attempt }),
          );
          running.set(id, { attempt, units: units + keepSides(r, Math.ceil(now + retention)) });
        },
      );
      return task ? { claimed: true, task } : { claimed: false, task: read(id) };
    },

    async finishTask(id, attempt, outcome) {
      const ready = outcome.status !== 'RETRY';
      const run = running.get(id);
      running.delete(id);
      // As the adapter: a RETRY's error, stack and history go to a fail item, put first.
      const fail = ready ? undefined : newFail(id, failureOf(outcome), bodyTtl(retention, outcome.eta ?? outcome.time));
      const runUnits = (run?.attempt === attempt ? run.units : 0) + (fail?.units ?? 0);
      const change = (r: TaskRecord) => patch(r, outcomeFields(r, outcome, retention, fail?.item));
      const written = write(
        id,
        (r) => isHeldBy(r, attempt),
        (r) => {
          if (outcome.usage) finishCost(r, runUnits, outcome.usage, change);
          else change(r);
          // The head now lives until its TTL: its body too (the adapter's upkeep).
          if (ready) keepSides(r, r.ttl!);
        },
      );
      // The task as written: read at the finish's own time, as the adapter reads its answer.
      return written ? toTask(tasks.get(id), outcome.time) : undefined;
    },

    async extendLease(id, attempt, leaseUntil, progress) {
      const task = update(
        id,
        (r) => isHeldBy(r, attempt),
        (r) => {
          const progressJson = progress && progressText(progress);
          const units = costOf(r, (c) => patch(c, progressJson ? { leaseUntil, progressJson } : { leaseUntil }));
          const run = running.get(id);
          if (run?.attempt === attempt) run.units += units;
        },
      );
      if (!task) running.delete(id);
      return task;
    },

    async requestRevoke(id) {
      return update(
        id,
        (r) => r.status === 'STARTED',
        (r) => patch(r, { revokeRequested: true }),
      );
    },
  };
}

/** Ending idle tasks, re-send counts, redrive. */
export function endVerbs(state: MemoryState): Pick<TaskStore, 'endIdle' | 'markResent' | 'requeue'> {
  const { clock, retention, write, update } = state;
  return {
    async endIdle(id, end) {
      return update(
        id,
        (r) => isIdle(r, end.time),
        (r) => {
          // As the adapter: the reason is the error; a fail item stays, kept as long as the head.
          patch(r, {
            status: end.status,
            timeEnded: end.time,
            error: truncateBytes(end.reason, LIMITS.errorBytes),
            deadLettered: end.deadLettered || undefined,
            ttl: Math.ceil(end.time + retention),
            leaseUntil: undefined,
          });
          keepSides(r, r.ttl!);
        },
      );
    },

    async markResent(id, seen) {
      return write(
        id,
        (r) => (seen ? r.resends === seen : r.resends === undefined),
        (r) => patch(r, { resends: seen + 1 }),
      );
    },

    async requeue(id) {
      const now = clock();
      return update(
        id,
        (r) => (r.status === 'FAILURE' && r.deadLettered === true && !isExpired(r, now)) || isIdle(r, now),
        (r) =>
          patch(r, {
            status: 'QUEUED',
            error: undefined,
            stack: undefined,
            // As the adapter: the history alone, in a new fail item.
            fail:
              r.fail?.errors === undefined
                ? undefined
                : newFail(id, { errors: r.fail.errors }, bodyTtl(retention, now)).item,
            timeEnded: undefined,
            ttl: undefined,
            deadLettered: undefined,
            eta: undefined,
            leaseUntil: undefined,
            resends: undefined,
          }),
      );
    },
  };
}
