import { within } from '../concurrency.js';
import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { UnrecoverableError, ValidationError } from '../errors.js';
import type { Job } from '../job.js';
import { hasKeyLimits } from '../key-limits.js';
import { cutBytes, utf8Bytes } from '../bytes.js';
import { type Logger, taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { HeldPermit } from '../permit-store.js';
import type { Outcome } from '../store.js';
import { expiredReason, isIdle, isReady, type Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { endTask, releasePermit, settleEnded } from '../tasks/end.js';
import { eventsPending, publishChange, publishPending, sendsEvents } from '../tasks/publish.js';
import { childTraceparent } from '../trace.js';
import { parkForPermit } from '../tasks/parking.js';
import { sendTaskMessage } from '../tasks/send.js';
import { suspendForChildren } from '../tasks/workflow-children.js';
import { isAwaitingChildren } from '../workflow.js';
import { runAttempt } from './attempt.js';
import { arrival, forwardTask, producerPriority } from './forward.js';
import { passKeyLimits, waitForKeyLimit } from './key-limits.js';
import { recordProducerTask } from './producer.js';
import { keptResult } from './kept-result.js';
import type { TaskProgress } from '../progress.js';
import { type BatchInvocation, DEFER_SECONDS, hasFairRun } from './time-budget.js';
import { outcomeOf } from './outcome.js';
import { type DeliveredBatch, runUsage } from './usage.js';
import { resultCap } from '../payloads/claim-check.js';

/** Thrown for a message that must go back to the queue and be delivered again later. */
export class RetryLaterError extends Error {}

/** Deliveries of a message naming a job this consumer does not know, before the task fails. */
const UNKNOWN_JOB_DELIVERIES = 3;

/** The consumer's settings and state that a delivery needs. */
export interface DeliveryContext {
  deps: TaskDeps;
  leaseSeconds: number;
  maxReceiveCount: number;
  worker: { id: string; running: Set<string> };
  /** The Lambda function's memory, for a task's GB-seconds. */
  memoryMb?: number;
}

/**
 * Handle one delivered message. Resolves when the message can be deleted; rejects to have
 * it delivered again. A body that is no task message is dead-lettered; an unknown job is
 * delivered again twice (a deploy may be rolling out); a producer message gets its record
 * first (its priority: the lane it was sent to, lib/consumer/forward.ts); a message on
 * another routed queue than its job's is forwarded there, not run; the last delivery of a failing message records its task FAILURE dead-lettered.
 */
export async function handleMessage(
  c: DeliveryContext,
  message: ReceivedMessage,
  invocation: BatchInvocation | undefined,
  batch: DeliveredBatch,
): Promise<void> {
  const { queue, registry, logger } = c.deps;
  const decoded = decodeEnvelope(message.body);
  if ('invalid' in decoded) {
    logger.error({ body: cutBytes(message.body, 2000), reason: decoded.invalid }, 'not a task message: dead-lettered');
    await queue.deadLetter(message.body, decoded.invalid);
    return;
  }
  const { job } = decoded.envelope ?? decoded.producer;
  const id = taskIdOf(decoded, message.messageId);
  const attributes = message.attributes as Record<string, string>;
  const receives = Number(attributes.ApproximateReceiveCount ?? 1);
  if (!registry.get(job) && receives < Math.min(UNKNOWN_JOB_DELIVERIES, c.maxReceiveCount - 1)) {
    logger.warn({ task_id: id, job, receives }, 'unknown job: delivering again later');
    await queue.changeVisibility(message.receiptHandle, 10 * receives);
    throw new RetryLaterError(`unknown job "${job}"`);
  }
  const arrived = arrival(queue, message, job);
  const priority = producerPriority(arrived);
  if (decoded.producer && !(await recordProducerTask(c.deps, id, decoded.producer, message, priority))) return;
  if (!arrived.home && registry.get(job)) return forwardTask(c.deps, id, job, arrived.lane!);
  const known = registry.get(job);
  if (known && !hasFairRun(known, invocation) && (await deferred(c.deps, id))) return;
  try {
    const gate = known && hasKeyLimits(known) ? await passLimits(c, known, id) : {};
    if (!gate) return;
    await claimAndRun(c, { id, jobName: job, permit: gate.permit }, message, invocation, batch);
  } catch (err) {
    if (receives >= c.maxReceiveCount && !(err instanceof RetryLaterError))
      await deadLettered(c.deps, id, receives, err);
    throw err;
  }
}

/**
 * A task of a job with per-key limits (docs/limits.md): read first (its kwargs give the keys);
 * if a claim would start it now, it takes a permit and a rate count before the claim; over its
 * concurrency limit it is parked (lib/tasks/parking.ts), over its rate limit it waits (a fresh
 * delayed message) — no attempt, no receive counted. Undefined when the delivery is dealt
 * with: the task is parked or waits, or there is nothing to run (what the claim would find:
 * `unclaimed`), or its kwargs give no key now (it fails, as its run would).
 */
async function passLimits(c: DeliveryContext, job: Job, id: string): Promise<{ permit?: HeldPermit } | undefined> {
  const { deps } = c;
  const task = await deps.store.getTask(id);
  const now = deps.clock();
  if (!task || !isIdle(task, now) || task.revokeRequested || isExpired(task, now) || (task.eta ?? now) > now + 1) {
    return void (await unclaimed(deps, id, job.name, task, now));
  }
  try {
    const gate = await passKeyLimits(deps, job, task, c.leaseSeconds);
    if ('wait' in gate) return void (await waitForKeyLimit(deps, task, gate));
    // Parked, or not idle any more (another delivery has it): this message is done either way.
    if ('park' in gate) return void (await parkForPermit(deps, task, gate.park, endTask));
    return gate;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const reason = `its per-key limit has no key: ${err.message}`;
    if (await endTask(deps, id, { idle: 'FAILURE', reason }))
      taskLogger(deps.logger, task).error({ reason }, 'task FAILURE');
  }
}

/**
 * Claim before run; run; fenced finish, which records what the attempt consumed. A RETRY gets
 * a new message for the next attempt. A `permit` taken for the run is given back at its end,
 * or at once when the claim fails.
 */
async function claimAndRun(
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

/**
 * Too little of the invocation is left for a fair run (lib/consumer/time-budget.ts): the
 * task, if idle, gets a fresh message a little later and this one is deleted, so neither
 * an attempt nor a receive is spent. False when there is nothing to defer (no record, or a
 * ready or running task): the claim then decides what the message is still for.
 */
async function deferred(deps: TaskDeps, id: string): Promise<boolean> {
  const task = await deps.store.getTask(id);
  const now = deps.clock();
  if (!task || !isIdle(task, now)) return false;
  await sendTaskMessage(deps, task, DEFER_SECONDS);
  taskLogger(deps.logger, task).info(
    { defer_seconds: DEFER_SECONDS },
    'too little time left in this invocation for a fair run: deferred, no attempt counted',
  );
  return true;
}

/** Whether the task's expiry has passed: an expiry at the due time itself (`expiry: 0`) has, even for an early delivery. */
const isExpired = (task: Task, now: number) =>
  task.expiry !== undefined && task.expiry <= Math.max(now, task.eta ?? now);

/**
 * A task message (no `kwargs`) whose task has no record. The usual cause is legitimate — the
 * task was deleted (delete_tasks) or outlived its retention while its message waited — so
 * it is dropped, not dead-lettered; but a producer that left out `kwargs` sends exactly this
 * body, and it is told here what its message lacks. (A record never written and one
 * deleted look the same: DynamoDB keeps nothing of a deleted item.)
 */
const NO_RECORD =
  'task message for a task with no record: dropped (deleted, or past its retention); ' +
  'a producer message needs "kwargs" ({} for none) for the consumer to create its task';

/** A message whose task could not be claimed: decide what the message is still for. */
async function unclaimed(deps: TaskDeps, id: string, job: string, task: Task | undefined, now: number) {
  if (!task) return void deps.logger.warn({ task_id: id, job }, NO_RECORD);
  const log = taskLogger(deps.logger, task);
  if (isReady(task.status)) {
    // The steps its end sets going in a workflow may have been cut short (a crash after the
    // finish, before this message was deleted): they are idempotent, take them again.
    await settleEnded(deps, task);
    // Its last events, if the run that ended it died before they went out (the outbox).
    await publishPending(deps, task);
    if (eventsPending(deps, task)) throw new RetryLaterError(`task ${id}: its events are not sent yet`);
    return void log.debug({ status: task.status }, 'duplicate delivery of a ready task: dropped');
  }
  if (task.status === 'WAITING')
    return void log.warn('message for a WAITING task (it has none until released): dropped');
  if (task.status === 'STARTED' && (task.leaseUntil ?? 0) >= now) {
    // A live run holds this task, and its own message: heartbeats keep that one in
    // flight, and it comes back if the run dies. This copy is not needed.
    return void log.debug('duplicate delivery of a running task: dropped');
  }
  const reason = task.revokeRequested ? 'revoked' : isExpired(task, now) ? expiredReason(task) : undefined;
  if (reason) {
    if (await endTask(deps, task.id, { idle: 'REVOKED', reason })) return void log.info({ reason }, 'task REVOKED');
  } else if (task.eta !== undefined && task.eta > now + 1) {
    // Not due: a fresh message for its due time, rather than putting this one back,
    // which would spend its receive budget toward the dead-letter queue.
    await sendTaskMessage(deps, task);
    return void log.debug({ eta: task.eta }, 'early delivery: sent again for its due time');
  }
  throw new RetryLaterError(`task ${task.id} changed while it was being claimed`);
}

/** The last delivery failed too: the message goes to the dead-letter queue; record why on the task if we can. */
async function deadLettered(deps: TaskDeps, id: string, receives: number, err: unknown): Promise<void> {
  const reason = `dead-lettered after ${receives} deliveries: ${(err as Error)?.message ?? String(err)}`;
  try {
    const ended = await endTask(deps, id, { idle: 'FAILURE', reason, deadLettered: true });
    const what = ended
      ? 'message dead-lettered: task FAILURE'
      : 'message dead-lettered; its task was not idle, left as it is';
    deps.logger.error({ task_id: id, err }, what);
  } catch (recordErr) {
    deps.logger.error(
      { task_id: id, err, record_err: recordErr },
      'message dead-lettered; the task could not be marked',
    );
  }
}
