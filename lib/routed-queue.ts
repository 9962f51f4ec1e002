/**
 * The task queue port over every lane of every routed queue (lib/job-queue.ts,
 * lib/priority.ts): one `TaskQueue` per SQS queue (a lane, with its routed queue's
 * dead-letter queue), behind one `TaskQueue` that the backend, the consumer, the reconciler
 * and the redrive use as they use a single queue. docs/routing.md.
 *
 * A received message's receipt handle is marked with its lane (`<lane index>|<handle>`), so
 * that changing its visibility or deleting it reaches the queue it came from; `adopt` marks
 * a message an event source delivered (on AWS: the Lambda event's records, by their
 * `eventSourceARN`; locally: the poller's, built the same way).
 */
import { sleep } from './concurrency.js';
import { decodeEnvelope } from './envelope.js';
import { DEFAULT_QUEUE } from './job-queue.js';
import { DEFAULT_PRIORITY, laneOrder, PRIORITIES, type Priority } from './priority.js';
import type { QueueDepth, ReceivedMessage, TaskQueue } from './queue.js';

/** One SQS queue: the lane of one priority of a routed queue. */
export interface Lane {
  /** The routed queue's name (`default`, or a `defineQueue` name). */
  readonly queue: string;
  readonly priority: Priority;
  /** The SQS queue's name: the last part of its URL and of its ARN. */
  readonly sqsName: string;
  /** The lane's own queue, with its routed queue's dead-letter queue. */
  readonly port: TaskQueue;
}

/** `queue_stats` of one routed queue: each lane's depth, and its dead letters. */
export interface RoutedQueueStats {
  queue: string;
  lanes: Record<Priority, QueueDepth>;
  deadLetters: number;
}

/** The task queue over lanes, with what routing needs besides the port. */
export interface RoutedQueue extends TaskQueue {
  readonly lanes: readonly Lane[];
  /** The lane of a job's task of `priority` (an unknown job's: the default queue's). */
  laneFor(job: string, priority?: Priority): Lane;
  /** The lane a received message came from, by the mark on its receipt handle; undefined without one. */
  laneOf(message: Pick<ReceivedMessage, 'receiptHandle'>): Lane | undefined;
  /** A message as an event source delivers it, its receipt handle marked with the lane its ARN names. */
  adopt<M extends ReceivedMessage>(message: M): M;
  /** Each routed queue's lanes and dead letters (approximate, as SQS counts). */
  stats(): Promise<RoutedQueueStats[]>;
}

export function isRoutedQueue(queue: TaskQueue): queue is RoutedQueue {
  return typeof (queue as Partial<RoutedQueue>).laneFor === 'function';
}

const MARK = /^(\d+)\|([\s\S]*)$/;

const sumDepths = (depths: QueueDepth[]): QueueDepth =>
  depths.reduce(
    (a, d) => ({ queued: a.queued + d.queued, delayed: a.delayed + d.delayed, inFlight: a.inFlight + d.inFlight }),
    {
      queued: 0,
      delayed: 0,
      inFlight: 0,
    },
  );

/** The lanes, indexed: what the routed queue's methods share. */
function laneSet(lanes: readonly Lane[], queueOf: (job: string) => string) {
  const index = new Map(lanes.map((lane, i) => [`${lane.queue}/${lane.priority}`, i]));
  const find = (queue: string, priority: Priority) =>
    index.get(`${queue}/${priority}`) ?? index.get(`${DEFAULT_QUEUE}/${priority}`)!;
  const unmark = (handle: string): [number, string] => {
    const m = MARK.exec(handle);
    return m ? [Number(m[1]), m[2]] : [find(DEFAULT_QUEUE, DEFAULT_PRIORITY), handle];
  };
  return {
    lanes,
    find,
    bySqsName: new Map(lanes.map((lane, i) => [lane.sqsName, i])),
    // One lane per routed queue stands for its dead-letter queue, which its lanes share.
    owners: lanes.flatMap((lane, i) => (lane.priority === DEFAULT_PRIORITY ? [i] : [])),
    laneFor: (job: string, priority: Priority = DEFAULT_PRIORITY) => lanes[find(queueOf(job), priority)],
    mark: (i: number, messages: ReceivedMessage[]) =>
      messages.map((m) => ({ ...m, receiptHandle: `${i}|${m.receiptHandle}` })),
    /** Received messages' handles grouped by lane, unmarked: `act` on each lane's port. */
    async byLane(handles: string[], act: (port: TaskQueue, raw: string[]) => Promise<void>) {
      const groups = new Map<number, string[]>();
      for (const [i, raw] of handles.map(unmark)) groups.set(i, [...(groups.get(i) ?? []), raw]);
      for (const [i, raw] of groups) await act(lanes[i].port, raw);
    },
    unmark,
  };
}
type LaneSet = ReturnType<typeof laneSet>;

/** Short polls in the turn's lane order (lib/priority.ts), again until `waitSeconds` pass. */
function receiver({ lanes, mark }: LaneSet) {
  let turn = 0;
  return async (max: number, waitSeconds: number, signal?: AbortSignal) => {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const order = laneOrder(turn++);
      const ranked = lanes
        .map((_, i) => i)
        .sort((a, b) => order.indexOf(lanes[a].priority) - order.indexOf(lanes[b].priority));
      for (const i of ranked) {
        const got = await lanes[i].port.receive(max, 0, signal);
        if (got.length) return mark(i, got);
      }
      if (Date.now() >= deadline || signal?.aborted) return [];
      await sleep(Math.min(200, deadline - Date.now()), signal);
    }
  };
}

/** Sends by job: a plain `send` goes to the job's queue's default lane. */
function senders({ laneFor }: LaneSet): Pick<TaskQueue, 'send' | 'sendBatch'> {
  return {
    send: (envelope, delaySeconds) => laneFor(envelope.job).port.send(envelope, delaySeconds),
    async sendBatch(items) {
      const errors: (Error | undefined)[] = new Array(items.length).fill(undefined);
      const groups = new Map<Lane, number[]>();
      for (const [n, item] of items.entries()) {
        const lane = laneFor(item.envelope.job);
        groups.set(lane, [...(groups.get(lane) ?? []), n]);
      }
      for (const [lane, ns] of groups) {
        const sent = await lane.port.sendBatch(ns.map((n) => items[n]));
        for (const [k, n] of ns.entries()) errors[n] = sent[k];
      }
      return errors;
    },
  };
}

/** The dead-letter side: a letter to its job's queue's dead-letter queue; reads over every one. */
function deadLetterMethods(set: LaneSet) {
  const { lanes, owners, find, laneFor, mark, byLane } = set;
  let dlqTurn = 0;
  return {
    deadLetter(body, reason) {
      const decoded = decodeEnvelope(body);
      const job = 'invalid' in decoded ? undefined : (decoded.envelope?.job ?? decoded.producer!.job);
      const lane = job === undefined ? lanes[find(DEFAULT_QUEUE, DEFAULT_PRIORITY)] : laneFor(job);
      return lane.port.deadLetter(body, reason);
    },
    async deadLetterCount() {
      const counts = await Promise.all(owners.map((i) => lanes[i].port.deadLetterCount()));
      return counts.reduce((a, b) => a + b, 0);
    },
    // Each dead-letter queue in turn, from where the last call found letters: the first with any answers.
    async receiveDeadLetters(max, waitSeconds) {
      for (let k = 0; k < owners.length; k++) {
        const i = owners[(dlqTurn + k) % owners.length];
        const got = await lanes[i].port.receiveDeadLetters(max, waitSeconds);
        if (got.length) {
          dlqTurn = (dlqTurn + k) % owners.length;
          return mark(i, got);
        }
      }
      return [];
    },
    deleteDeadLetters: (handles) => byLane(handles, (port, raw) => port.deleteDeadLetters(raw)),
    releaseDeadLetters: (handles) => byLane(handles, (port, raw) => port.releaseDeadLetters(raw)),
  } satisfies Partial<TaskQueue>;
}

/** Each routed queue's lanes' depths and its dead letters. */
function statsOf({ lanes, owners, find }: LaneSet): Promise<RoutedQueueStats[]> {
  return Promise.all(
    owners.map(async (owner) => {
      const queue = lanes[owner].queue;
      const depths = await Promise.all(PRIORITIES.map((p) => lanes[find(queue, p)].port.depth()));
      const deadLetters = await lanes[owner].port.deadLetterCount();
      const byLane = Object.fromEntries(PRIORITIES.map((p, n) => [p, depths[n]])) as Record<Priority, QueueDepth>;
      return { queue, lanes: byLane, deadLetters };
    }),
  );
}

/**
 * The routed queue over `lanes` (every routed queue must have its three lanes, `default`
 * among them); `queueOf` names the routed queue of a job (`queueNameOf` of its registry
 * entry). A plain `send` goes to the job's queue's default lane: lib/tasks/send.ts picks
 * the lane of the task's priority with `laneFor`. A dead letter goes to the dead-letter
 * queue of its body's job's queue (the default queue's for a body that names none).
 */
export function createRoutedQueue(lanes: readonly Lane[], queueOf: (job: string) => string): RoutedQueue {
  const set = laneSet(lanes, queueOf);
  const { bySqsName, unmark, byLane } = set;
  return {
    lanes,
    laneFor: set.laneFor,
    laneOf(message) {
      const m = MARK.exec(message.receiptHandle);
      return m ? lanes[Number(m[1])] : undefined;
    },
    adopt(message) {
      if (MARK.test(message.receiptHandle) || !message.eventSourceARN) return message;
      const i = bySqsName.get(message.eventSourceARN.split(':').pop()!);
      return i === undefined ? message : { ...message, receiptHandle: `${i}|${message.receiptHandle}` };
    },
    stats: () => statsOf(set),
    ...senders(set),
    changeVisibility(handle, seconds) {
      const [i, raw] = unmark(handle);
      return lanes[i].port.changeVisibility(raw, seconds);
    },
    ...deadLetterMethods(set),
    depth: async () => sumDepths(await Promise.all(lanes.map((lane) => lane.port.depth()))),
    receive: receiver(set),
    deleteMessages: (handles) => byLane(handles, (port, raw) => port.deleteMessages(raw)),
    async purge() {
      await Promise.all(lanes.map((lane) => lane.port.purge()));
    },
  };
}
