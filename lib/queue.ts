import type { Envelope } from './envelope.js';

/** A message as received from the queue (the fields of an SQS event record we use). */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: object;
  md5OfBody?: string;
}

export interface QueueDepth {
  /** Visible, waiting for a consumer. */
  queued: number;
  /** Sent with a delay that has not passed. */
  delayed: number;
  /** Received by a consumer and not yet deleted. */
  inFlight: number;
}

/** The task queue port. Only the adapter knows SQS. */
export interface TaskQueue {
  /** Send a task's message; delay in whole seconds, at most 900. */
  send(envelope: Omit<Envelope, 'v'>, delaySeconds?: number): Promise<void>;
  /**
   * Send many tasks' messages, in SendMessageBatch groups of 10. One entry per item, in
   * order: undefined when sent, else that item's error (a batch fails item by item).
   */
  sendBatch(items: { envelope: Omit<Envelope, 'v'>; delaySeconds?: number }[]): Promise<(Error | undefined)[]>;
  /** Make a received message visible again after `seconds`. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  /** Put a body that is no task message aside on the dead-letter queue. */
  deadLetter(body: string, reason: string): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Messages on the dead-letter queue (approximate); 0 when there is none. */
  deadLetterCount(): Promise<number>;
  /** Receive up to `max` messages, waiting up to `waitSeconds` (the local poller). */
  receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<ReceivedMessage[]>;
  /** Delete received messages (the local poller, after a handler succeeded for them). */
  deleteMessages(receiptHandles: string[]): Promise<void>;
  /** Receive from the dead-letter queue (redrive). */
  receiveDeadLetters(max: number): Promise<ReceivedMessage[]>;
  /** Delete received dead letters (moved back, or stale). */
  deleteDeadLetters(receiptHandles: string[]): Promise<void>;
  /** Remove every message. For tests and local resets. */
  purge(): Promise<void>;
}
