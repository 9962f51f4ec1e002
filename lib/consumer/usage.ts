import type { RunUsage } from '../store.js';

/** What the consumer saw of one attempt, for its cost. */
export interface AttemptSeen {
  /** Messages in the batch (SQS event, or poller receive) that delivered it. */
  batchSize: number;
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
 * delivered it and of the delete that will remove its message (1 / the batch, each: on AWS
 * the event source mapping makes both, so they are estimates), a ChangeMessageVisibility per
 * heartbeat, a SendMessage for a retry's next message (sent after the finish: counted as
 * planned), its share of the invocation, its run time and, on Lambda, its GB-seconds.
 */
export function runUsage(seen: AttemptSeen): RunUsage {
  const share = 1 / Math.max(1, seen.batchSize);
  const lambdaMs = Math.max(0, Math.round(seen.seconds * 1000));
  const usage: RunUsage = {
    sqsRequests: round(2 * share + seen.heartbeats + (seen.retry ? 1 : 0)),
    lambdaRequests: round(share),
    lambdaMs,
    heartbeats: seen.heartbeats,
  };
  if (seen.memoryMb) usage.gbSeconds = round((lambdaMs / 1000) * (seen.memoryMb / 1024));
  return usage;
}

/** Six decimals: shares of a batch are fractions, and sums of them should not drift in the last digit. */
const round = (n: number) => Math.round(n * 1e6) / 1e6;
