import { mapSettled } from '../concurrency.js';
import { SkytaskError } from '../errors.js';
import { cutBytes } from '../bytes.js';
import { LIMITS, TRUNCATED } from '../limits.js';
import type { TaskQueue } from '../queue.js';
import { isRoutedQueue } from '../routed-queue.js';
import type { Task } from '../task.js';
import type { TaskDeps } from './deps.js';

type SendDeps = Pick<TaskDeps, 'store' | 'queue' | 'timer' | 'clock' | 'maxQueueDelay'>;

/** SendMessageBatch requests in flight at once: a workflow of 10,000 tasks is 1,000 batches. */
const CONCURRENT_SENDS = 8;

/** Whether a task due at `eta` (epoch seconds) is beyond what the queue can delay: then the timer sends it. */
export function needsTimer(deps: Pick<TaskDeps, 'clock' | 'maxQueueDelay'>, eta: number | undefined): boolean {
  return eta !== undefined && eta - deps.clock() > deps.maxQueueDelay;
}

/**
 * The tasks at `indexes` by the queue their message goes to: with routed queues, the lane
 * of the task's job's queue and of its priority (lib/routed-queue.ts); else the one queue.
 */
function byPort(deps: SendDeps, tasks: readonly Task[], indexes: number[]): Map<TaskQueue, number[]> {
  const groups = new Map<TaskQueue, number[]>();
  const { queue } = deps;
  for (const n of indexes) {
    const port = isRoutedQueue(queue) ? queue.laneFor(tasks[n].name, tasks[n].priority).port : queue;
    groups.set(port, [...(groups.get(port) ?? []), n]);
  }
  return groups;
}

/** Seconds until the task is due (0 when it is due now), at least `floor`. */
const delayOf = (deps: SendDeps, task: Task, floor = 0) =>
  Math.max(floor, task.eta !== undefined ? task.eta - deps.clock() : 0);

/** A task's envelope: it carries the task's trace context on every send (retries, re-sends, redrives). */
const envelopeOf = (task: Task) => ({ id: task.id, job: task.name, traceparent: task.traceparent });

/**
 * Send tasks' messages: the one path by which a task gets a message (queue_task, a retry,
 * an early delivery, a redrive, the reconciler). A task due within `maxQueueDelay` goes to
 * the queue with its remaining delay — with routed queues, to the lane of its job's queue
 * and of its priority —, in SendMessageBatch groups of 10; one due later is armed on the
 * timer; up to `CONCURRENT_SENDS` batches at once. Bookkeeping: a failed send notes the error on the record
 * (`send_error`: queueing the same id again re-sends, and the reconciler finds it), a
 * successful one clears an earlier note.
 *
 * `minDelaySeconds` holds queued messages back at least that long (a deferred delivery).
 *
 * Returns one entry per task, in order: undefined when sent, else a SkytaskError saying the
 * task was recorded but its message was not sent (`cause`: the queue's or timer's error).
 */
export async function sendTaskMessages(
  deps: SendDeps,
  tasks: readonly Task[],
  minDelaySeconds = 0,
): Promise<(Error | undefined)[]> {
  const errors: (Error | undefined)[] = new Array(tasks.length).fill(undefined);
  const queued: number[] = [];
  for (const [i, task] of tasks.entries()) {
    if (!needsTimer(deps, task.eta)) queued.push(i);
    else if (!deps.timer)
      errors[i] = new SkytaskError(`no timer is configured for a task due in ${Math.round(delayOf(deps, task))} s`);
    else
      errors[i] = await deps.timer.arm(envelopeOf(task), task.eta!).then(
        () => undefined,
        (err: Error) => err,
      );
  }
  const groups = [...byPort(deps, tasks, queued)].flatMap(([port, indexes]) =>
    Array.from({ length: Math.ceil(indexes.length / 10) }, (_, g) => ({
      port,
      ten: indexes.slice(g * 10, g * 10 + 10),
    })),
  );
  await mapSettled(groups, CONCURRENT_SENDS, async ({ port, ten }) => {
    const items = ten.map((n) => ({
      envelope: envelopeOf(tasks[n]),
      delaySeconds: delayOf(deps, tasks[n], minDelaySeconds),
    }));
    // One message: SendMessage; more: SendMessageBatch (the same price per request).
    const send =
      items.length === 1
        ? port.send(items[0].envelope, items[0].delaySeconds).then(() => [undefined])
        : port.sendBatch(items);
    const sent = await send.catch((err: Error) => ten.map(() => err));
    for (const [k, n] of ten.entries()) errors[n] = sent[k];
  });
  return Promise.all(tasks.map((task, i) => noteSend(deps, task, errors[i])));
}

/** Record how the send went on the task; the error to report, if any. */
async function noteSend(deps: SendDeps, task: Task, error: Error | undefined): Promise<Error | undefined> {
  if (!error) {
    if (task.sendError) await deps.store.setSendError(task.id, undefined).catch(() => undefined);
    return undefined;
  }
  const note = cutBytes(String(error.message), LIMITS.sendErrorBytes, { mark: TRUNCATED });
  await deps.store.setSendError(task.id, note).catch(() => undefined);
  return new SkytaskError(`task ${task.id} was recorded but its message could not be sent: ${error.message}`, {
    cause: error,
  });
}

/** Send one task's message (see `sendTaskMessages`). Throws the SkytaskError of a failed send. */
export async function sendTaskMessage(deps: SendDeps, task: Task, minDelaySeconds = 0): Promise<void> {
  const [error] = await sendTaskMessages(deps, [task], minDelaySeconds);
  if (error) throw error;
}
