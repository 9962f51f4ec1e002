/**
 * skytask's limits and byte budgets, in the units AWS counts (UTF-8 bytes, not characters).
 * The byte budgets of a task item live here and nowhere else, so that later work (where
 * payloads live, flow control) changes them in one place; AWS's own limits and the way AWS
 * counts live in lib/aws-rules/ (DynamoDB, SQS) and lib/bytes.ts (UTF-8), and the entries
 * below that are AWS's point there.
 *
 * A task item must always fit DynamoDB's 400 KB, so that the finish write cannot fail on
 * size: kwargs are refused above their cap at enqueue, results above theirs are recorded
 * as a FAILURE saying so, and error text, stacks and the error history are cut to theirs.
 * DynamoDB counts an item as the UTF-8 bytes of every attribute name plus every value
 * (`documentItemBytes`, lib/aws-rules/dynamodb.ts). The worst case — every field at its
 * cap, plus the keys, indexes and times — is 100 + 256 + 4 + 8 KB, the history's
 * `ERRORS_KEPT` × 1 KB, and under 8 KB for the rest: test/unit/limits.test.ts builds that
 * item through the DynamoDB adapter and checks it against `documentItemBytes`.
 */
import { DYNAMODB_LIMITS } from './aws-rules/dynamodb.js';
import { SQS_LIMITS } from './aws-rules/sqs.js';
import { cutBytes } from './bytes.js';

export const LIMITS = {
  /** DynamoDB: an item, attribute names and values together. */
  itemBytes: DYNAMODB_LIMITS.itemBytes,
  /** DynamoDB: a partition key value, of the table or of an index (`task#<id>`, `<job>#<shard>`, a parent id). */
  partitionKeyBytes: DYNAMODB_LIMITS.partitionKeyBytes,
  /** DynamoDB: a sort key value (`gsi_time`: the time queued, `#`, the task id). */
  sortKeyBytes: DYNAMODB_LIMITS.sortKeyBytes,
  /** A task's kwargs, as JSON text. */
  kwargsBytes: 100 * 1024,
  /** A task's result, as JSON text. */
  resultBytes: 256 * 1024,
  /** The error message of the last attempt. */
  errorBytes: 4 * 1024,
  /** Its stack. */
  stackBytes: 8 * 1024,
  /** One earlier attempt's error in the history (`errors`), as JSON text: a control character there costs 6 bytes (`\u0001`). */
  historyEntryBytes: 1024,
  /** Who asked (`caller`), as recorded on the task. */
  callerBytes: 1024,
  /** A text param of JSON-RPC (a job name, a cursor…), unless it has a key's limit. */
  stringParamBytes: 1024,
  /** Caller-given task ids. */
  idPattern: /^[A-Za-z0-9_.:-]{1,128}$/,
  /** SQS DelaySeconds maximum: a task due later goes through the timer port. */
  maxDelaySeconds: SQS_LIMITS.maxDelaySeconds,
  /** How far from now a one-off task may be scheduled (`delay`, `eta`): a year either way for `eta`. */
  maxScheduleSeconds: 365 * 86_400,
  /** The longest `expiry` (seconds after a task is due). */
  maxExpirySeconds: 365 * 86_400,
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

/** What marks stored text (an error, a stack, the history) that was cut to its budget. */
export const TRUNCATED = '… [truncated]';

// Moved; kept here while other branches still import them from lib/limits.ts: utf8Bytes →
// lib/bytes.ts, itemBytes → documentItemBytes (lib/aws-rules/dynamodb.ts), truncateBytes →
// cutBytes (lib/bytes.ts). To be removed once those branches are merged.
export { utf8Bytes } from './bytes.js';
/** @deprecated `documentItemBytes` (lib/aws-rules/dynamodb.ts). */
export { documentItemBytes as itemBytes } from './aws-rules/dynamodb.js';
/** @deprecated `cutBytes(text, max, { json, mark: TRUNCATED })` (lib/bytes.ts). */
export const truncateBytes = (text: string, max: number, json = false): string =>
  cutBytes(text, max, { json, mark: TRUNCATED });
