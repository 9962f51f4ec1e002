import { SETTINGS } from '../settings.js';
import { systemClock } from '../tasks/deps.js';
import { entryRefusals } from '../aws-rules/sqs-requests.js';
import { encodeEnvelope } from '../envelope.js';
import type { TaskQueue } from '../queue.js';
import { normalizeDelay, normalizeMax, normalizeVisibility, sqsAttributes } from '../sqs-message.js';
import { MessageList } from './message-list.js';
import { QueueRequestError, abortError, checkRequest } from './queue-request-error.js';

/** The dead-letter queue's visibility timeout: SQS's default, which the provisioned DLQ keeps. */
const DEAD_LETTER_VISIBILITY_SECONDS = 30;

export interface MemoryQueueOptions {
  /**
   * What the queue takes for now, in epoch seconds (fractional): delays, visibility
   * timeouts, `SentTimestamp`. A test can pass a fake clock and move it by hand.
   * @default () => Date.now() / 1000
   */
  clock?: () => number;
  /** Seconds a received message stays hidden, as the SQS queue's VisibilityTimeout. @default 30 */
  visibilityTimeout?: number;
  /**
   * Receives a message gets; the receive after the last one moves it to the dead-letter
   * list instead (the SQS redrive policy's maxReceiveCount). @default 5
   */
  maxReceiveCount?: number;
  /**
   * Real milliseconds a long poll (`receive` with `waitSeconds` > 0) that finds nothing
   * waits at most. @default `waitSeconds` × 1000 with the default clock; 100 with an
   * injected one, whose time need not pass while the poll waits
   */
  maxRealWaitMs?: number;
}

/** A message on the dead-letter list, as `peekDeadLetters` shows it. */
export interface DeadLetterView {
  messageId: string;
  body: string;
  /** The reason given to `deadLetter`; undefined for a message the redrive policy moved. */
  reason?: string;
  receiveCount: number;
}

/** The task queue in memory, with what a test harness needs besides the port. */
export interface MemoryQueue extends TaskQueue {
  /**
   * End every delay and visibility timeout now, without moving the clock: every message
   * on the task queue can be received at once (an in-flight message's receipt handle
   * still deletes it until it is received again, as in SQS). Returns the number of
   * messages on the queue. A harness that runs on the real clock drains with it:
   * receive, handle, delete, repeat. It does not make a task due: a task queued with a
   * delay or a retry waiting for its due time stays so in the store, and the consumer
   * sends its message again for that time; move the clock for those (`nextVisibleAt`).
   */
  visibleNow(): number;
  /**
   * When (epoch seconds, by the queue's clock) the next delayed or in-flight message
   * becomes visible; undefined when none is hidden. A harness with a fake clock moves the
   * clock there, then receives.
   */
  nextVisibleAt(): number | undefined;
  /** The dead-letter list as it is, without receiving: bodies and the reasons given. */
  peekDeadLetters(): DeadLetterView[];
}

/** Real milliseconds between checks of the clock while a long poll waits. */
const POLL_MS = 10;

/** Long polls' wake-ups: `nap` resolves after POLL_MS, on `wake`, or on an abort, whichever first. */
function createWaker() {
  const wakers = new Set<() => void>();
  return {
    wake() {
      for (const resolve of wakers) resolve();
    },
    nap(signal?: AbortSignal): Promise<void> {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakers.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, POLL_MS);
        wakers.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}

/** SendMessageBatch's rules: groups of 10 over 1 MiB fail whole; a bad entry fails alone. One entry per item. */
function sendBatchTo(main: MessageList, items: Parameters<TaskQueue['sendBatch']>[0]): (Error | undefined)[] {
  const errors: (Error | undefined)[] = [];
  for (let i = 0; i < items.length; i += 10) {
    const Entries = items.slice(i, i + 10).map((item, n) => ({
      Id: String(n),
      MessageBody: encodeEnvelope(item.envelope),
      DelaySeconds: normalizeDelay(item.delaySeconds),
    }));
    try {
      checkRequest('SendMessageBatch', { Entries });
    } catch (whole) {
      errors.push(...Entries.map(() => whole as Error));
      continue;
    }
    const failed = new Map(entryRefusals('SendMessageBatch', { Entries }).map((entry) => [entry.Id, entry]));
    for (const entry of Entries) {
      const refused = failed.get(entry.Id);
      // As the SQS adapter reports an entry of the batch's Failed list.
      if (refused) {
        errors.push(new Error(`${refused.Code}: ${refused.Message}`));
        continue;
      }
      main.send(entry.MessageBody, entry.DelaySeconds);
      errors.push(undefined);
    }
  }
  return errors;
}

/** The dead-letter queue's side of the memory queue: its methods over `dead`, the dead-letter list. */
function deadLetterMethods(dead: MessageList, clock: () => number) {
  return {
    async deadLetter(body, reason) {
      const MessageAttributes = sqsAttributes(body, { reason });
      checkRequest('SendMessage', { MessageBody: body, MessageAttributes });
      dead.send(body, 0, MessageAttributes.reason?.StringValue);
    },
    async deadLetterCount() {
      const { queued, inFlight } = dead.depth();
      return queued + inFlight;
    },
    // A long poll answers at once: what it would wait for is already on the list.
    async receiveDeadLetters(max, waitSeconds = 0) {
      checkRequest('ReceiveMessage', { MaxNumberOfMessages: normalizeMax(max), WaitTimeSeconds: waitSeconds });
      return dead.receive(normalizeMax(max));
    },
    deleteDeadLetters: async (receiptHandles) => dead.delete(receiptHandles),
    async releaseDeadLetters(receiptHandles) {
      for (const handle of receiptHandles) {
        const letter = dead.inFlight(handle);
        if (letter) letter.visibleAt = clock();
      }
    },
    peekDeadLetters: () =>
      dead.snapshot().map(({ messageId, body, reason, receiveCount }) => ({ messageId, body, reason, receiveCount })),
  } satisfies Partial<MemoryQueue>;
}

/**
 * The task queue in memory, with SQS standard-queue semantics as the local poller and
 * the consumer rely on them, and the SQS adapter's conversions (`createSqsQueue`):
 *
 * - `send`/`sendBatch` put `encodeEnvelope(envelope)` on the queue, exactly the SQS
 *   body; the delay is rounded up to whole seconds, at most 900. A batch goes in groups
 *   of 10: a group over 1 MiB fails whole, a message SQS would refuse fails alone.
 * - `receive` returns at most 10 visible messages (longest visible first), each with a
 *   new receipt handle, hidden for `visibilityTimeout` seconds. `attributes` holds
 *   `ApproximateReceiveCount`, `SentTimestamp` and `ApproximateFirstReceiveTimestamp`
 *   (epoch milliseconds) and `SenderId`, as strings, as in an SQSEvent record. The
 *   receive after `maxReceiveCount` receives moves the message to the dead-letter list.
 * - A long poll returns as soon as a message is visible: a send wakes it, and it checks
 *   the clock every 10 ms of real time, so a fake clock moved by a test is seen. With
 *   nothing to receive it returns empty after `waitSeconds` by the clock, or after
 *   `maxRealWaitMs` of real time, whichever comes first: with a fake clock that is
 *   100 ms, so a poller loop costs little and a stop does not hang. An aborted poll
 *   rejects with an `AbortError`, as the SDK's does.
 * - Errors SQS would answer are `QueueRequestError`s named by SQS's code.
 *
 * @example
 * let now = 1_800_000_000;
 * const queue = createMemoryQueue({ clock: () => now, visibilityTimeout: 30 });
 * await queue.send({ id: 't1', job: 'add' }, 5);
 * await queue.receive(10, 0); // [] : delayed
 * now += 5;
 * const [message] = await queue.receive(10, 0); // message.body === '{"v":1,"id":"t1","job":"add"}'
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const clock = options.clock ?? systemClock;
  const maxReceiveCount = options.maxReceiveCount ?? SETTINGS.maxReceiveCount.default;
  const main = new MessageList(clock, options.visibilityTimeout ?? 30);
  const dead = new MessageList(clock, DEAD_LETTER_VISIBILITY_SECONDS);
  const { wake, nap } = createWaker();
  const maxRealWaitMs = options.maxRealWaitMs ?? (options.clock ? 100 : Infinity);

  async function receive(max: number, waitSeconds: number, signal?: AbortSignal) {
    checkRequest('ReceiveMessage', { MaxNumberOfMessages: normalizeMax(max), WaitTimeSeconds: waitSeconds });
    const startedAt = clock();
    const realDeadline = Date.now() + Math.min(waitSeconds * 1000, maxRealWaitMs);
    for (;;) {
      if (signal?.aborted) throw abortError();
      const received = main.receive(normalizeMax(max), maxReceiveCount, (m) => dead.adopt(m));
      if (received.length || clock() - startedAt >= waitSeconds || Date.now() >= realDeadline) return received;
      await nap(signal);
    }
  }

  return {
    async send(envelope, delaySeconds) {
      const request = { MessageBody: encodeEnvelope(envelope), DelaySeconds: normalizeDelay(delaySeconds) };
      checkRequest('SendMessage', request);
      main.send(request.MessageBody, request.DelaySeconds);
      wake();
    },
    async sendBatch(items) {
      const errors = sendBatchTo(main, items);
      wake();
      return errors;
    },
    async changeVisibility(receiptHandle, seconds) {
      const message = main.inFlight(receiptHandle);
      if (!message) {
        throw new QueueRequestError(
          'MessageNotInflight',
          'Message does not exist or is not available for visibility timeout change.',
        );
      }
      const VisibilityTimeout = normalizeVisibility(seconds);
      checkRequest('ChangeMessageVisibility', { VisibilityTimeout });
      message.visibleAt = clock() + VisibilityTimeout;
      wake();
    },
    depth: async () => main.depth(),
    receive,
    deleteMessages: async (receiptHandles) => main.delete(receiptHandles),
    ...deadLetterMethods(dead, clock),
    // Like the adapter's PurgeQueue: the task queue only; dead letters stay.
    purge: async () => main.clear(),
    visibleNow() {
      const count = main.showAll();
      wake();
      return count;
    },
    nextVisibleAt: () => main.nextVisibleAt(),
  };
}
