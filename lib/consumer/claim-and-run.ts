/**
 * The run of a delivered task (docs/reliability.md#how-a-task-runs): the claim, the attempt, its outcome
 * recorded with a fenced finish (lib/tasks/end.ts), and what follows — a new message for a
 * RETRY, a parent suspended for its children. A claim that fails goes to lib/consumer/unclaimed.ts.
 */
import { utf8Bytes } from '../bytes.js';
import { within } from '../concurrency.js';
import { UnrecoverableError } from '../errors.js';
import { type Logger, taskLogger } from '../log.js';
import { resultCap } from '../payloads/claim-check.js';
import type { HeldPermit } from '../permit-store.js';
import type { TaskProgress } from '../progress.js';
import type { ReceivedMessage } from '../queue.js';
import type { Outcome } from '../store.js';
import { isReady, type Task } from '../task.js';
import { endTask, releasePermit } from '../tasks/end.js';
import { eventsPending, publishChange, sendsEvents } from '../tasks/publish.js';
import { sendTaskMessage } from '../tasks/send.js';
import { suspendForChildren } from '../tasks/workflow-children.js';
import { childTraceparent } from '../trace.js';
import { isAwaitingChildren } from '../workflow.js';
import { runAttempt } from './attempt.js';
import type { DeliveryContext } from './deliveries.js';
import { keptResult } from './kept-result.js';
import { outcomeOf } from './outcome.js';
import { RetryLaterError } from './retry-later.js';
import type { BatchInvocation } from './time-budget.js';
import { unclaimed } from './unclaimed.js';
import { type DeliveredBatch, runUsage } from './usage.js';

/**
 * Claim before run; run; fenced finish, which records what the attempt consumed. A RETRY gets
 * a new message for the next attempt. A `permit` taken for the run is given back at its end,
 * or at once when the claim fails.
 */
export async function claimAndRun(
  c: DeliveryContext,
  { id, jobName, permit }: { id: string; jobName: string; permit?: HeldPermit },
  message: ReceivedMessage,
  invocation: BatchInvocation | undefined,
  batch: DeliveredBatch,
) {
  const { deps } = c;
  const now = deps.clock();
  const claim = await deps.store.claimTask({
    id,
    now,
    leaseUntil: now + c.leaseSeconds,
    worker: c.worker.id,
    job: jobName,
  });
  if (!claim.claimed) {
    if (permit) await releasePermit(deps, permit);
    return unclaimed(deps, id, jobName, claim.task, now);
  }
  const task = claim.task;
  // Its STARTED event goes out while the job runs; the finish removes it from the outbox.
  const started = sendsEvents(deps, task.name) ? publishChange(deps, task, true) : undefined;
  // The run is a span of its own in the trace the task was queued in.
  const traceparent = task.traceparent && childTraceparent(task.traceparent);
  const log = taskLogger(deps.logger, { ...task, traceparent });
  const job = deps.registry.get(task.name);
  log.info({ attempt: task.attempts }, 'task started');
  deps.metrics?.started(task, traceparent);
  const [beats, unwritten]: [{ count: number }, { progress?: TaskProgress }] = [{ count: 0 }, {}];
  const input = {
    task,
    traceparent,
    job: job!,
    message,
    log,
    invocation,
    leaseSeconds: c.leaseSeconds,
    worker: c.worker,
    beats,
    permit,
    unwritten,
  };
  let run = job && (await runAttempt(deps, input));
  // A parent that awaits its children ends its run WAITING (lib/tasks/workflow-children.ts).
  if (run && 'value' in run && isAwaitingChildren(run.value)) {
    if (await suspendForChildren(deps, task, run.value, log)) {
      if (permit) await releasePermit(deps, permit);
      return;
    }
    run = { error: new UnrecoverableError("the job returned another task's ctx.awaitChildren") };
  }
  const outcome: Outcome | undefined = run
    ? await keptResult(deps, task, outcomeOf(task, job!, run, deps.clock(), Math.random, resultCap(deps)))
    : { status: 'FAILURE', error: `unknown job "${task.name}"`, time: deps.clock() };
  if (outcome) {
    const seen = { batch, heartbeats: beats.count, seconds: outcome.time - now, retry: outcome.status === 'RETRY' };
    outcome.usage = runUsage({ ...seen, messageBytes: utf8Bytes(message.body), memoryMb: c.memoryMb });
    // Waited for a quarter of the lease at most: a slow PutEvents must not outlast the claim.
    // Not sent by then, the task's end sends it again (a duplicate at worst).
    outcome.sentEvents = started && (await within(started, (c.leaseSeconds * 1000) / 4, {}));
    outcome.progress = unwritten.progress;
  }
  const ended = outcome && (await endTask(deps, task.id, { attempt: task.attempts, outcome, permit, traceparent }));
  if (!outcome && permit) await releasePermit(deps, permit);
  if (!outcome || !ended) {
    return void log.warn({ attempt: task.attempts }, 'claim lost (a newer attempt owns the task): outcome discarded');
  }
  logEnd(log, ended, outcome, now);
  // Its last events not sent (EventBridge failing): the message comes back for them (the outbox).
  if (isReady(ended.status) && eventsPending(deps, ended))
    throw new RetryLaterError(`task ${id}: its events are not sent yet`);
  if (ended.status !== 'RETRY') return;
  // A revoke asked while the attempt ran, which then failed: no next attempt.
  if (ended.revokeRequested && (await endTask(deps, task.id, { idle: 'REVOKED', reason: 'revoked' }))) {
    return void log.info('revoked while it ran: no retry');
  }
  // A new message for the next attempt: the retry does not spend this message's receive
  // budget. If the send fails, this message comes back and finds RETRY.
  await sendTaskMessage(deps, ended);
}

function logEnd(log: Logger, task: Task, outcome: Outcome, started: number): void {
  const seconds = Math.round((outcome.time - started) * 1000) / 1000;
  if (outcome.status === 'RETRY') {
    const retryIn = Math.round(outcome.eta! - outcome.time);
    log.warn(
      { seconds, error: outcome.error, attempt: task.attempts, retry_in: retryIn },
      'task failed; retry scheduled',
    );
  } else if (outcome.status === 'SUCCESS') log.info({ seconds }, 'task succeeded');
  else log.warn({ seconds, status: outcome.status, error: outcome.error }, 'task ended');
}
