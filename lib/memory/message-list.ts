import { createHash, randomUUID } from 'node:crypto';
import type { QueueDepth, ReceivedMessage } from '../queue.js';

/** A message as the memory queue holds it. Times are epoch seconds by the queue's clock. */
export interface MessageRecord {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  /** Hidden until then: by its send delay, or by a receive's visibility timeout. */
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** The latest receive's handle; undefined until received on this list. */
  receiptHandle?: string;
  /** Why it was put aside (dead letters sent with `deadLetter`). */
  reason?: string;
  /** Send order, to break ties between messages visible since the same time. */
  seq: number;
}

/** The SQS system attributes of a received message, as strings, as in an SQSEvent record. */
function attributesOf(m: MessageRecord): Record<string, string> {
  const ms = (seconds: number) => String(Math.round(seconds * 1000));
  return {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: ms(m.sentAt),
    SenderId: 'skytask-memory-queue',
    ApproximateFirstReceiveTimestamp: ms(m.firstReceiveAt ?? m.sentAt),
  };
}

/**
 * One SQS standard queue's messages in memory (the task queue, or its dead-letter
 * queue). A message is delayed or in flight while `visibleAt` is ahead of the clock,
 * visible after; a receive hides it for the visibility timeout under a new receipt
 * handle, which alone deletes it or changes its visibility from then on.
 */
export class MessageList {
  private readonly messages = new Map<string, MessageRecord>();
  private readonly byHandle = new Map<string, MessageRecord>();
  private seq = 0;

  constructor(
    private readonly clock: () => number,
    private readonly visibilityTimeout: number,
  ) {}

  /** Add a message sent now, visible after `delaySeconds`. */
  send(body: string, delaySeconds: number, reason?: string): MessageRecord {
    const now = this.clock();
    const message: MessageRecord = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      sentAt: now,
      visibleAt: now + delaySeconds,
      receiveCount: 0,
      seq: this.seq++,
    };
    if (reason !== undefined) message.reason = reason;
    this.messages.set(message.messageId, message);
    return message;
  }

  /** Take over a message from another list (a redrive): visible now, with its id, body and counts. */
  adopt(message: MessageRecord): void {
    const { receiptHandle: _, ...kept } = message;
    this.messages.set(message.messageId, { ...kept, visibleAt: this.clock(), seq: this.seq++ });
  }

  /** The messages visible now, the longest-visible first. */
  private visible(now: number): MessageRecord[] {
    return [...this.messages.values()]
      .filter((m) => m.visibleAt <= now)
      .sort((a, b) => a.visibleAt - b.visibleAt || a.seq - b.seq);
  }

  /**
   * Receive up to `max` visible messages. Each receive counts; a message whose count
   * would pass `maxReceiveCount` is handed to `redrive` instead of delivered (SQS's
   * redrive policy), and the receive takes the next one.
   */
  receive(max: number, maxReceiveCount = Infinity, redrive?: (m: MessageRecord) => void): ReceivedMessage[] {
    const now = this.clock();
    const received: ReceivedMessage[] = [];
    for (const message of this.visible(now)) {
      if (received.length >= max) break;
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      if (redrive && message.receiveCount > maxReceiveCount) {
        this.remove(message);
        redrive(message);
        continue;
      }
      if (message.receiptHandle) this.byHandle.delete(message.receiptHandle);
      message.receiptHandle = randomUUID();
      message.visibleAt = now + this.visibilityTimeout;
      this.byHandle.set(message.receiptHandle, message);
      received.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        attributes: attributesOf(message),
        md5OfBody: message.md5OfBody,
      });
    }
    return received;
  }

  /** The message this handle is the latest receipt of, if it is in flight now. */
  inFlight(receiptHandle: string): MessageRecord | undefined {
    const message = this.byHandle.get(receiptHandle);
    return message && message.visibleAt > this.clock() ? message : undefined;
  }

  /** Delete by receipt handles; a stale or unknown handle deletes nothing (SQS does not fail it). */
  delete(receiptHandles: string[]): void {
    for (const handle of receiptHandles) {
      const message = this.byHandle.get(handle);
      if (message) this.remove(message);
    }
  }

  private remove(message: MessageRecord): void {
    this.messages.delete(message.messageId);
    if (message.receiptHandle) this.byHandle.delete(message.receiptHandle);
  }

  depth(): QueueDepth {
    const now = this.clock();
    const depth: QueueDepth = { queued: 0, delayed: 0, inFlight: 0 };
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) depth.queued++;
      else if (m.receiptHandle) depth.inFlight++;
      else depth.delayed++;
    }
    return depth;
  }

  /** End every delay and visibility timeout now. Returns how many messages are visible. */
  showAll(): number {
    const now = this.clock();
    for (const m of this.messages.values()) m.visibleAt = Math.min(m.visibleAt, now);
    return this.messages.size;
  }

  /** When the next hidden message becomes visible; undefined when none is hidden. */
  nextVisibleAt(): number | undefined {
    const now = this.clock();
    let next: number | undefined;
    for (const m of this.messages.values()) {
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    }
    return next;
  }

  /** Every message, as copies, in send order. */
  snapshot(): MessageRecord[] {
    return [...this.messages.values()].map((m) => ({ ...m }));
  }

  clear(): void {
    this.messages.clear();
    this.byHandle.clear();
  }
}
