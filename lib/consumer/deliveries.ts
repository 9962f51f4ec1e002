/**
 * A delivered message, from its body to what becomes of it: dead-lettered, delivered again,
 * recorded (a producer's), forwarded, deferred, held by per-key limits, or claimed and run
 * (lib/consumer/claim-and-run.ts).
 */
import { decodeEnvelope, taskIdOf } from '../envelope.js';
import { ValidationError } from '../errors.js';
import type { Job } from '../job.js';
import { hasKeyLimits } from '../key-limits.js';
import { cutBytes } from '../bytes.js';
import { taskLogger } from '../log.js';
import type { ReceivedMessage } from '../queue.js';
import type { HeldPermit } from '../permit-store.js';
import { isIdle } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { endTask } from '../tasks/end.js';
import { parkForPermit } from '../tasks/parking.js';
import { sendTaskMessage } from '../tasks/send.js';
import { claimAndRun } from './claim-and-run.js';
import { arrival, forwardTask, producerPriority } from './forward.js';
import { passKeyLimits, waitForKeyLimit } from './key-limits.js';
import { recordProducerTask } from './producer.js';
import { RetryLaterError } from './retry-later.js';
import { type BatchInvocation, DEFER_SECONDS, hasFairRun } from './time-budget.js';
import { isExpired, unclaimed } from './unclaimed.js';
import type { DeliveredBatch } from './usage.js';

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
