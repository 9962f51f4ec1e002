import { billedRequests } from '../aws-rules/sqs.js';
import { utf8Bytes } from '../bytes.js';
import type { RunUsage } from '../store.js';

/** The batch that delivered a message (an SQS event, or the poller's receive): its messages, and their bodies' UTF-8 bytes. */
export interface DeliveredBatch {
  size: number;
  bytes: number;
}

/** The batch these messages make. */
export const deliveredIn = (messages: readonly { body: string }[]): DeliveredBatch => ({
  size: messages.length,
  bytes: messages.reduce((n, m) => n + utf8Bytes(m.body), 0),
});

/** What the consumer saw of one attempt, for its cost. */
export interface AttemptSeen {
  /** The batch that delivered it. */
  batch: DeliveredBatch;
  /** Its own message's body, in UTF-8 bytes. */
  messageBytes: number;
  /** Heartbeats that extended its lease (each one also changed its message's visibility). */
  heartbeats: number;
  /** Seconds from its claim to its finish. */
  seconds: number;
  /** It ended RETRY: the consumer sends a new message for the next attempt. */
  retry: boolean;
  /** The Lambda function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE), when it runs on Lambda. */
  memoryMb?: number;
}

/**
 * An attempt's consumption outside the store (docs/cost.md): its share of the receive that
 * delivered it — SQS bills a receive a request per 64 KB chunk of what it delivered
 * (`billedRequests`), which the batch's messages share by their bytes — and of the delete
 * that will remove its message (1 / the batch: it carries receipt handles, not bodies; on
 * AWS the event source mapping makes both, so they are estimates), a ChangeMessageVisibility
 * per heartbeat, a SendMessage for a retry's next message (skytask's own envelope, under a
 * chunk; sent after the finish: counted as planned), its share of the invocation, its run
 * time and, on Lambda, its GB-seconds.
 */
export function runUsage(seen: AttemptSeen): RunUsage {
  const { batch } = seen;
  const share = 1 / Math.max(1, batch.size);
  const receive = billedRequests(batch.bytes) * (batch.bytes > 0 ? seen.messageBytes / batch.bytes : share);
  const lambdaMs = Math.max(0, Math.round(seen.seconds * 1000));
  const usage: RunUsage = {
    sqsRequests: round(receive + share + seen.heartbeats + (seen.retry ? 1 : 0)),
    lambdaRequests: round(share),
    lambdaMs,
    heartbeats: seen.heartbeats,
  };
  if (seen.memoryMb) usage.gbSeconds = round((lambdaMs / 1000) * (seen.memoryMb / 1024));
  return usage;
}

/** Six decimals: shares of a batch are fractions, and sums of them should not drift in the last digit. */
const round = (n: number) => Math.round(n * 1e6) / 1e6;
