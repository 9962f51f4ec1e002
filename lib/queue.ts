import type { Envelope } from './envelope.js';

/** A message as received from the queue (the fields of an SQS event record we use). */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: object;
  md5OfBody?: string;
  /** The queue's ARN, when an event source delivered it (an SQSEvent record's): its lane, with routed queues. */
  eventSourceARN?: string;
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
  /**
   * Put a message aside on the dead-letter queue, with why as its `reason` attribute: any
   * text, made to fit SQS's rules by `sqsAttributes` (lib/sqs-message.ts), left out when
   * nothing fits beside the body.
   */
  deadLetter(body: string, reason: string): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Messages on the dead-letter queue (approximate); 0 when there is none. */
  deadLetterCount(): Promise<number>;
  /** Receive up to `max` messages, waiting up to `waitSeconds` (the local poller). */
  receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<ReceivedMessage[]>;
  /** Delete received messages (the local poller, after a handler succeeded for them). */
  deleteMessages(receiptHandles: string[]): Promise<void>;
  /**
   * Receive up to `max` messages from the dead-letter queue (redrive). `waitSeconds` > 0
   * long-polls (0–20): SQS then asks every server, where a short poll samples some and can
   * answer empty while messages wait. @default waitSeconds 0
   */
  receiveDeadLetters(max: number, waitSeconds?: number): Promise<ReceivedMessage[]>;
  /** Delete received dead letters (moved back, or stale). */
  deleteDeadLetters(receiptHandles: string[]): Promise<void>;
  /** Make received dead letters visible again at once (looked at, left for a redrive). */
  releaseDeadLetters(receiptHandles: string[]): Promise<void>;
  /** Remove every message. For tests and local resets. */
  purge(): Promise<void>;
}
