import { hostname } from 'node:os';
import type { Backend } from './backend.js';
import { decodeEnvelope } from './envelope.js';
import type { JobContext } from './job.js';
import { LIMITS, jsonSize, truncate } from './limits.js';
import { taskLogger, type Logger } from './log.js';
import type { ReceivedMessage } from './queue.js';
import type { Outcome } from './store.js';
import { isReady, type Task } from './task.js';

export interface ConsumerOptions {
  backend: Backend;
  logger: Logger;
  /** Tasks run at once per batch (Pulsar's `concurrent_tasks`). @default 5 */
  concurrency?: number;
  /**
   * Seconds a claim is exclusive. Keep it ≥ the longest run (on Lambda, the function
   * timeout) and ≤ the queue's visibility timeout, so that the redelivery of a crashed
   * run finds the lease expired and reclaims the task.
   * @default 60
   */
  leaseSeconds?: number;
  /** Names this worker on the tasks it runs. */
  workerId?: string;
  clock?: () => number;
}

/** Thrown for a message that must go back to the queue and be delivered again later. */
export class RetryLaterError extends Error {}

export type Consumer = ReturnType<typeof createConsumer>;

/** Run `fn` over `items` with at most `limit` at once; settled results in input order. */
export async function mapSettled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * The consumer: turns a delivered message into at most one run of its task.
 * Claim before run, fenced finish, lock released at the end.
 */
export function createConsumer({
  backend,
  logger,
  concurrency = 5,
  leaseSeconds = 60,
  workerId = process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? `${hostname()}:${process.pid}`,
  clock = () => Date.now() / 1000,
}: ConsumerOptions) {
  const { store, queue, registry } = backend;
  const running = new Set<string>();

  async function run(task: Task, log: Logger): Promise<Outcome> {
    const job = registry.get(task.name);
    if (!job) return { status: 'FAILURE', error: `unknown job "${task.name}"`, time: clock() };
    const ctx: JobContext = {
      taskId: task.id,
      job,
      task,
      logger: log,
      worker: { id: workerId, runningTasks: () => [...running] },
      queueTask: (jobName, kwargs) =>
        backend.queueTask(jobName, kwargs, { fromTask: task.id, caller: task.caller }),
    };
    try {
      const value = await job.run(ctx, task.kwargs);
      const size = jsonSize(value === undefined ? null : value);
      if (!size) return { status: 'FAILURE', error: 'the job returned a result that is not JSON-serializable', time: clock() };
      if (size.bytes > LIMITS.resultBytes) {
        return {
          status: 'FAILURE',
          error: `the job's result is ${size.bytes} bytes, over the ${LIMITS.resultBytes}-byte limit`,
          time: clock(),
        };
      }
      return { status: 'SUCCESS', resultJson: size.json, time: clock() };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return {
        status: 'FAILURE',
        error: truncate(error.message || error.name, LIMITS.errorChars),
        stack: error.stack ? truncate(error.stack, LIMITS.stackChars) : undefined,
        time: clock(),
      };
    }
  }

  /** A message whose task could not be claimed: decide what the message is still for. */
  async function unclaimed(id: string, task: Task | undefined, message: ReceivedMessage, now: number): Promise<void> {
    if (!task) {
      logger.warn({ task_id: id }, 'message for a task with no record: dropped');
      return;
    }
    const log = taskLogger(logger, task);
    if (isReady(task.status)) {
      log.debug({ status: task.status }, 'duplicate delivery of a ready task: dropped');
      return;
    }
    if (task.status === 'STARTED') {
      // Running elsewhere: come back when its lease ends, in case that run died.
      await queue.changeVisibility(message.receiptHandle, (task.leaseUntil ?? now) - now + 1);
      throw new RetryLaterError(`task ${task.id} is running under a live lease`);
    }
    if (task.expiry !== undefined && task.expiry <= now) {
      const revoked = await store.revokeUnstarted(task.id, now, 'expired before it started');
      if (revoked) {
        if (revoked.lockId) await store.releaseLock(revoked.lockId, revoked.id);
        log.info({ expiry: task.expiry }, 'task expired before it started: REVOKED');
        return;
      }
    } else if (task.eta !== undefined && task.eta > now) {
      await queue.changeVisibility(message.receiptHandle, task.eta - now);
      throw new RetryLaterError(`task ${task.id} is not due yet`);
    }
    throw new RetryLaterError(`task ${task.id} changed while it was being claimed`);
  }

  /** Handle one message. Resolves when the message can be deleted; rejects to have it delivered again. */
  async function handleMessage(message: ReceivedMessage): Promise<void> {
    const decoded = decodeEnvelope(message.body);
    if ('invalid' in decoded) {
      logger.error({ body: truncate(message.body, 2000), reason: decoded.invalid }, 'not a task message: dead-lettered');
      await queue.deadLetter(message.body, decoded.invalid);
      return;
    }
    const { id } = decoded.envelope;
    const now = clock();
    const claim = await store.claimTask({ id, now, leaseUntil: now + leaseSeconds, worker: workerId });
    if (!claim.claimed) return unclaimed(id, claim.task, message, now);

    const task = claim.task;
    const log = taskLogger(logger, task);
    log.info({ attempt: task.attempts }, 'task started');
    running.add(task.id);
    let outcome: Outcome;
    try {
      outcome = await run(task, log);
    } finally {
      running.delete(task.id);
    }
    const finished = await store.finishTask(task.id, task.attempts, outcome);
    if (!finished) {
      log.warn({ attempt: task.attempts }, 'claim lost before the finish (a newer attempt owns the task): outcome discarded');
      return;
    }
    if (task.lockId) await store.releaseLock(task.lockId, task.id);
    const seconds = Math.round((outcome.time - now) * 1000) / 1000;
    if (outcome.status === 'SUCCESS') log.info({ seconds }, 'task succeeded');
    else log.warn({ seconds, error: outcome.error }, 'task failed');
  }

  return {
    handleMessage,
    /** Handle a batch with at most `concurrency` tasks at once; settled results in order. */
    handleBatch: (messages: ReceivedMessage[]) => mapSettled(messages, concurrency, handleMessage),
    runningTasks: () => [...running],
    workerId,
    concurrency,
  };
}
