/**
 * Size caps. A task item must always fit in DynamoDB's 400 KB, so that the finish
 * write cannot fail on size: kwargs are refused above their cap at enqueue, results
 * above theirs are recorded as a FAILURE saying so, error text and stacks are cut.
 * 100 + 256 + 4 + 8 KB of payload leaves room for the other attributes.
 */
export const LIMITS = {
  kwargsBytes: 100 * 1024,
  resultBytes: 256 * 1024,
  errorChars: 4 * 1024,
  stackChars: 8 * 1024,
  /** Caller-given task ids. */
  idPattern: /^[A-Za-z0-9_.:-]{1,128}$/,
  /** SQS DelaySeconds maximum: a task due later goes through the timer port. */
  maxDelaySeconds: 900,
  /** How far ahead a one-off task may be scheduled (`delay` / `eta`). */
  maxScheduleSeconds: 365 * 86_400,
  /** API Gateway HTTP API stops an integration at 30 s; a wait answers before that. */
  maxWaitSeconds: 25,
  maxListLimit: 1000,
  defaultListLimit: 100,
  maxIdsPerCall: 100,
  /** How deep kwargs may nest. */
  maxDepth: 32,
  /** JSON-RPC: a request body, and the requests in one batch. */
  maxRequestBytes: 1024 * 1024,
  maxBatch: 100,
  /**
   * A JSON-RPC reply, in the bytes it adds to a Lambda proxy response (its JSON escaped as
   * the `body` string): Lambda's 6 MB synchronous response limit (Lambda quotas; read as
   * 6,000,000 to be safe) less 64 KiB for the response's own fields and headers. Over it the
   * caller would get API Gateway's bare 500.
   */
  maxReplyBytes: 6_000_000 - 64 * 1024,
  /** A `get_tasks` page, measured the same way: what the reply allows less room for the rest of it. */
  maxPageBytes: 6_000_000 - 80 * 1024,
} as const;

/** UTF-8 byte length of a value's JSON, or undefined if it is not JSON-serializable. */
export function jsonSize(value: unknown): { json: string; bytes: number } | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (json === undefined) return undefined;
  return { json, bytes: Buffer.byteLength(json, 'utf8') };
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}… [truncated]`;
}
