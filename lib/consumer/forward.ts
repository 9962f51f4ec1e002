/**
 * Messages that reach the wrong routed queue (docs/routing.md): a producer that sent to
 * another queue's URL, a due task the timer sent to the default queue (EventBridge Scheduler
 * has one target), a message sent before a job moved to another queue. The consumer does not
 * run them where they are — that queue's function has another memory, timeout and
 * concurrency than the job was given — but forwards them: the task's message is sent again,
 * through the one send path, to the lane of its job's queue and priority, and this one is
 * deleted. One SendMessage more; no attempt and no receive of the task's budget spent.
 */
import { DEFAULT_PRIORITY, type Priority } from '../priority.js';
import type { ReceivedMessage, TaskQueue } from '../queue.js';
import { isRoutedQueue, type Lane } from '../routed-queue.js';
import { isIdle } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { sendTaskMessage } from '../tasks/send.js';

/**
 * Where a delivered message of `job` came from, and whether that is its job's queue. No
 * routing (a single queue), or a message not marked with a lane: `{ lane: undefined, home: true }`.
 */
export function arrival(queue: TaskQueue, message: ReceivedMessage, job: string): { lane?: Lane; home: boolean } {
  const lane = isRoutedQueue(queue) ? queue.laneOf(message) : undefined;
  if (!lane || !isRoutedQueue(queue)) return { home: true };
  return { lane, home: queue.laneFor(job).queue === lane.queue };
}

/**
 * The priority a producer message asks for by the lane it was sent to: that lane's, when it
 * is a lane of its job's queue other than `default` (else the job's own).
 */
export function producerPriority(arrived: { lane?: Lane; home: boolean }): Priority | undefined {
  const priority = arrived.lane?.priority;
  return arrived.home && priority !== DEFAULT_PRIORITY ? priority : undefined;
}

/**
 * Forward task `id`, delivered on `from`, a lane of another queue than its job's: when it
 * waits for a run, its message is sent to its own lane; else (ready, running, no record)
 * there is nothing to forward and the message is dropped, as the claim would drop it.
 */
export async function forwardTask(deps: TaskDeps, id: string, job: string, from: Lane): Promise<void> {
  const task = await deps.store.getTask(id);
  const log = deps.logger.child({ task_id: id, job, from_queue: from.queue });
  if (!task || !isIdle(task, deps.clock())) {
    return void log.debug({ status: task?.status }, 'message on another queue than its job: nothing to forward');
  }
  await sendTaskMessage(deps, task);
  log.info("message on another queue than its job's: forwarded to its job's queue");
}
