import { hostname } from 'node:os';
import type { Backend } from './backend.js';
import { decodeEnvelope, producerTaskId, type ProducerEnvelope } from './envelope.js';
import { RetryTaskError, UnrecoverableError, ValidationError } from './errors.js';
import type { Job, JobContext } from './job.js';
import { LIMITS, jsonSize, truncate } from './limits.js';
import { taskLogger, type Logger } from './log.js';
import type { ReceivedMessage } from './queue.js';
import { retryDelay } from './retry.js';
import type { Outcome } from './store.js';
import { isReady, type AttemptError, type Task } from './task.js';

export interface ConsumerOptions {
  backend: Backend;
  logger: Logger;
  /** Tasks run at once per batch (Pulsar's `concurrent_tasks`). @default 5 */
  concurrency?: number;
  /**
   * Seconds a claim is exclusive without a heartbeat. A running attempt extends it (and
   * its message's visibility) every third of it, so a job may run longer; a crashed run
   * is reclaimed once it lapses. Keep it shorter than the queue's visibility timeout: a
   * redelivery that finds a live lease is taken for a duplicate of a live run and dropped.
   * @default 60
   */
  leaseSeconds?: number;
  /** The queue's maxReceiveCount: the delivery after which a failing message is dead-lettered. @default 5 */
  maxReceiveCount?: number;
  /** Names this worker on the tasks it runs. */
  workerId?: string;
  clock?: () => number;
}

/** What the consumer needs of the Lambda invocation (its context). */
export interface Invocation {
  getRemainingTimeInMillis(): number;
}

/** Thrown for a message that must go back to the queue and be delivered again later. */
export class RetryLaterError extends Error {}

/** Why an attempt was stopped before its job returned. */
type StopReason =
  | { kind: 'time-limit'; seconds: number; lambda: boolean }
  | { kind: 'revoked' }
  | { kind: 'lost-claim' };

/** Seconds kept back from the Lambda's remaining time for the finish write. */
const LAMBDA_MARGIN_SECONDS = 3;
/** Deliveries of a message naming a job this consumer does not know, before the task fails. */
const UNKNOWN_JOB_DELIVERIES = 3;
/** How many earlier attempts' errors a task keeps. */
const ERRORS_KEPT = 10;

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
 * The consumer: turns a delivered message into at most one run of its task at a time.
 * Claim before run, heartbeats while it runs, fenced finish, lock released at the end.
 */
export function createConsumer({
  backend,
  logger,
  concurrency = 5,
  leaseSeconds = 60,
  maxReceiveCount = 5,
  workerId = process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? `${hostname()}:${process.pid}`,
  clock = () => Date.now() / 1000,
}: ConsumerOptions) {
  const { store, queue, registry } = backend;
  const running = new Set<string>();

  /** Run the job body under a heartbeat, a time limit and revoke; the attempt's outcome, or undefined if the claim was lost. */
  async function attempt(
    task: Task,
    job: Job,
    message: ReceivedMessage,
    log: Logger,
    invocation?: Invocation,
  ): Promise<Outcome | undefined> {
    const abort = new AbortController();
    let stop: StopReason | undefined;
    const halt = (reason: StopReason) => {
      if (!stop) (stop = reason), abort.abort(new Error(reason.kind));
    };
    const stopped = new Promise<void>((resolve) =>
      abort.signal.addEventListener('abort', () => resolve(), { once: true }),
    );

    // Heartbeat: extend the lease, then the message's visibility past it, so a live run is
    // neither reclaimed nor delivered again; a crashed one comes back soon after its lease.
    let beat: NodeJS.Timeout | undefined;
    const heartbeat = async () => {
      try {
        const now = clock();
        const current = await store.extendLease(task.id, task.attempts, now + leaseSeconds);
        if (!current) return halt({ kind: 'lost-claim' });
        if (current.revokeRequested) return halt({ kind: 'revoked' });
        await queue.changeVisibility(message.receiptHandle, leaseSeconds + 1);
      } catch (err) {
        log.warn({ err }, 'heartbeat failed; trying again');
      }
      if (!stop) beat = setTimeout(heartbeat, (leaseSeconds * 1000) / 3);
    };
    beat = setTimeout(heartbeat, (leaseSeconds * 1000) / 3);

    const lambdaLimit = invocation ? invocation.getRemainingTimeInMillis() / 1000 - LAMBDA_MARGIN_SECONDS : Infinity;
    const limit = Math.min(job.timeLimit ?? Infinity, lambdaLimit);
    const limitTimer = Number.isFinite(limit)
      ? setTimeout(
          () => halt({ kind: 'time-limit', seconds: limit, lambda: limit < (job.timeLimit ?? Infinity) }),
          Math.max(0, limit) * 1000,
        )
      : undefined;

    const ctx: JobContext = {
      taskId: task.id,
      job,
      task,
      signal: abort.signal,
      logger: log,
      worker: { id: workerId, runningTasks: () => [...running] },
      queueTask: (jobName, kwargs) => backend.queueTask(jobName, kwargs, { fromTask: task.id, caller: task.caller }),
    };
    let outcome: { value: unknown } | { error: unknown } | undefined;
    running.add(task.id);
    try {
      const run = Promise.resolve()
        .then(() => job.run(ctx, task.kwargs))
        .then(
          (value) => ({ value }),
          (error) => ({ error }),
        );
      outcome = await Promise.race([run, stopped.then(() => undefined)]);
    } finally {
      running.delete(task.id);
      clearTimeout(beat);
      clearTimeout(limitTimer);
      if (!stop) abort.abort(new Error('finished'));
    }

    const time = clock();
    if (stop?.kind === 'lost-claim') return undefined;
    if (stop?.kind === 'revoked') return { status: 'REVOKED', error: 'revoked while it ran', time };
    if (stop?.kind === 'time-limit') {
      const why = stop.lambda
        ? `stopped ${LAMBDA_MARGIN_SECONDS} s before the Lambda invocation's timeout`
        : `time limit of ${stop.seconds} s exceeded`;
      return failed(task, job, new Error(why), time);
    }
    if (outcome && 'error' in outcome) return failed(task, job, outcome.error, time);
    const value = outcome?.value;
    const size = jsonSize(value === undefined ? null : value);
    if (!size)
      return failed(task, job, new UnrecoverableError('the job returned a result that is not JSON-serializable'), time);
    if (size.bytes > LIMITS.resultBytes) {
      const why = `the job's result is ${size.bytes} bytes, over the ${LIMITS.resultBytes}-byte limit`;
      return failed(task, job, new UnrecoverableError(why), time);
    }
    return { status: 'SUCCESS', resultJson: size.json, time, errors: task.errors };
  }

  /** A failed attempt: RETRY with its delay while retries are left, else FAILURE. Every attempt's error is kept. */
  function failed(task: Task, job: Job, thrown: unknown, time: number): Outcome {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const message = truncate(error.message || error.name, LIMITS.errorChars);
    const entry: AttemptError = { attempt: task.attempts, error: truncate(message, 1024), time };
    const errors = [...(task.errors ?? []), entry].slice(-ERRORS_KEPT);
    const stack = error.stack ? truncate(error.stack, LIMITS.stackChars) : undefined;
    const retriesLeft = task.attempts <= (job.maxRetries ?? 0);
    if (retriesLeft && !(error instanceof UnrecoverableError)) {
      const asked = error instanceof RetryTaskError ? error.delay : undefined;
      const delay = Math.min(LIMITS.maxDelaySeconds, asked ?? retryDelay(task.attempts, job.retryBackoff));
      return { status: 'RETRY', error: message, stack, errors, eta: time + delay, time };
    }
    return { status: 'FAILURE', error: message, stack, errors, time };
  }

  /** A message whose task could not be claimed: decide what the message is still for. */
  async function unclaimed(id: string, task: Task | undefined, now: number): Promise<void> {
    if (!task) return void logger.warn({ task_id: id }, 'message for a task with no record: dropped');
    const log = taskLogger(logger, task);
    if (isReady(task.status))
      return void log.debug({ status: task.status }, 'duplicate delivery of a ready task: dropped');
    const idle = task.status !== 'STARTED' || (task.leaseUntil ?? 0) < now;
    if (task.status === 'STARTED' && !idle) {
      // A live run holds this task, and its own message: heartbeats keep that one in
      // flight, and it comes back if the run dies. This copy is not needed.
      return void log.debug('duplicate delivery of a running task: dropped');
    }
    const expired = task.attempts === 0 && task.expiry !== undefined && task.expiry <= now;
    const reason = task.revokeRequested ? 'revoked' : expired ? 'expired before it started' : undefined;
    if (reason) {
      const ended = await store.endIdle(task.id, { status: 'REVOKED', time: now, reason });
      if (ended?.lockId) await store.releaseLock(ended.lockId, ended.id);
      if (ended) return void log.info({ reason }, 'task REVOKED');
    } else if (task.eta !== undefined && task.eta > now + 1) {
      // Not due: a fresh message with the remaining delay, rather than putting this one
      // back, which would spend its receive budget toward the dead-letter queue.
      await queue.send({ id: task.id, job: task.name }, Math.min(LIMITS.maxDelaySeconds, task.eta - now));
      return void log.debug({ eta: task.eta }, 'early delivery: sent again for its due time');
    }
    throw new RetryLaterError(`task ${task.id} changed while it was being claimed`);
  }

  async function processMessage(id: string, message: ReceivedMessage, invocation?: Invocation): Promise<void> {
    const now = clock();
    const claim = await store.claimTask({ id, now, leaseUntil: now + leaseSeconds, worker: workerId });
    if (!claim.claimed) return unclaimed(id, claim.task, now);

    const task = claim.task;
    const log = taskLogger(logger, task);
    const job = registry.get(task.name);
    log.info({ attempt: task.attempts }, 'task started');
    const outcome = job
      ? await attempt(task, job, message, log, invocation)
      : ({ status: 'FAILURE', error: `unknown job "${task.name}"`, time: clock() } satisfies Outcome);
    if (!outcome)
      return void log.warn(
        { attempt: task.attempts },
        'claim lost while running (a newer attempt owns the task): outcome discarded',
      );
    if (!(await store.finishTask(task.id, task.attempts, outcome))) {
      return void log.warn(
        { attempt: task.attempts },
        'claim lost before the finish (a newer attempt owns the task): outcome discarded',
      );
    }
    const seconds = Math.round((outcome.time - now) * 1000) / 1000;
    if (outcome.status === 'RETRY') {
      const delay = outcome.eta! - outcome.time;
      log.warn(
        { seconds, error: outcome.error, attempt: task.attempts, retry_in: Math.round(delay) },
        'task failed; retry scheduled',
      );
      // A new message for the next attempt: the retry does not spend this message's
      // receive budget. If the send fails, this message comes back and finds RETRY.
      await queue.send({ id: task.id, job: task.name }, delay);
      return;
    }
    if (task.lockId) await store.releaseLock(task.lockId, task.id);
    if (outcome.status === 'SUCCESS') log.info({ seconds }, 'task succeeded');
    else log.warn({ seconds, status: outcome.status, error: outcome.error }, 'task ended');
  }

  /** Handle one message. Resolves when the message can be deleted; rejects to have it delivered again. */
  async function handleMessage(message: ReceivedMessage, invocation?: Invocation): Promise<void> {
    const decoded = decodeEnvelope(message.body);
    if ('invalid' in decoded) {
      logger.error(
        { body: truncate(message.body, 2000), reason: decoded.invalid },
        'not a task message: dead-lettered',
      );
      await queue.deadLetter(message.body, decoded.invalid);
      return;
    }
    const { job } = decoded.envelope ?? decoded.producer;
    const id = decoded.envelope ? decoded.envelope.id : (decoded.producer.id ?? producerTaskId(message.messageId));
    const attributes = message.attributes as Record<string, string>;
    const receives = Number(attributes.ApproximateReceiveCount ?? 1);
    if (!registry.get(job) && receives < Math.min(UNKNOWN_JOB_DELIVERIES, maxReceiveCount - 1)) {
      // A deploy may be rolling out the job: try again later before failing the task.
      logger.warn({ task_id: id, job, receives }, 'unknown job: delivering again later');
      await queue.changeVisibility(message.receiptHandle, 10 * receives);
      throw new RetryLaterError(`unknown job "${job}"`);
    }
    if (decoded.producer && !(await recordProducerTask(id, decoded.producer, message, attributes))) return;
    try {
      await processMessage(id, message, invocation);
    } catch (err) {
      if (receives >= maxReceiveCount && !(err instanceof RetryLaterError)) await deadLettered(id, receives, err);
      throw err;
    }
  }

  /**
   * A producer message (plain SQS wire format): write the task's record through the
   * backend's normal path, as queue_task would have — kwargs cap, non-overlap, expiry
   * counted from the send. An id that exists is that task (a redelivery, or the same id
   * sent twice): the claim decides whether it still runs. False when there is nothing to
   * run: bad kwargs (dead-lettered with the reason) or an equal task holds the lock.
   */
  async function recordProducerTask(
    id: string,
    producer: ProducerEnvelope,
    message: ReceivedMessage,
    attributes: Record<string, string>,
  ): Promise<boolean> {
    const sent = Number(attributes.SentTimestamp);
    const sentAt = Number.isFinite(sent) && sent > 0 ? Math.min(sent / 1000, clock()) : undefined;
    try {
      const recorded = await backend.recordTask(producer.job, producer.kwargs, { id, caller: 'sqs' }, sentAt);
      if (recorded) return true;
      logger.info({ task_id: id, job: producer.job }, 'producer message not queued: an equal task is not finished');
      return false;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      logger.error({ task_id: id, job: producer.job, reason: err.message }, 'producer message refused: dead-lettered');
      await queue.deadLetter(message.body, err.message);
      return false;
    }
  }

  /** The last delivery failed too: the message goes to the dead-letter queue; record why on the task if we can. */
  async function deadLettered(id: string, receives: number, err: unknown): Promise<void> {
    const reason = `dead-lettered after ${receives} deliveries: ${(err as Error)?.message ?? String(err)}`;
    try {
      const ended = await store.endIdle(id, { status: 'FAILURE', time: clock(), reason, deadLettered: true });
      if (ended?.lockId) await store.releaseLock(ended.lockId, ended.id);
      logger.error({ task_id: id, err }, 'message dead-lettered');
    } catch (recordErr) {
      logger.error({ task_id: id, err, record_err: recordErr }, 'message dead-lettered; the task could not be marked');
    }
  }

  return {
    handleMessage,
    /** Handle a batch with at most `concurrency` tasks at once; settled results in order. */
    handleBatch: (messages: ReceivedMessage[], invocation?: Invocation) =>
      mapSettled(messages, concurrency, (m) => handleMessage(m, invocation)),
    runningTasks: () => [...running],
    workerId,
    concurrency,
  };
}
