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
import { cutBytes, utf8Bytes } from './bytes.js';

export const LIMITS = {
  /** DynamoDB: an item, attribute names and values together. */
  itemBytes: DYNAMODB_LIMITS.itemBytes,
  /**
   * A task's head item (lib/task-items.ts): what its claim, each heartbeat and its
   * finish write. DynamoDB bills an UpdateItem by the larger of the item's size before and
   * after, in 1 KB units: a head within 1 KB makes each of those writes cost 1 unit.
   */
  headBytes: 1024,
  /**
   * Kept free in the head for progress reports, which ride on the heartbeat write
   * (lib/progress.ts, lib/consumer/heartbeat.ts). A task's kwargs and caller live in its head only when the head, with them, with what
   * a claim adds and with this room kept, stays within `headBytes`; else they go to its body
   * item, written once at enqueue and never again.
   */
  progressBytes: 512,
  /**
   * Kept free in the head for task events pending in its outbox (lib/aws/dynamo/outbox.ts):
   * a mark is an attribute `ev_<kind>` holding the time of the state change, at most 25 bytes
   * (`ev_dead_lettered` and a 17-digit time); a task has one or two pending at a time while
   * its events go out (docs/events.md).
   */
  outboxBytes: 64,
  /** The worker's name as a task records it (a Lambda log stream name is 52: `2026/11/05/[$LATEST]` and 32 hex digits). */
  workerBytes: 64,
  /** The note of a failed message send on a task (`send_error`): it stays on the head while the task waits. */
  sendErrorBytes: 256,
  /** DynamoDB: a partition key value, of the table or of an index (`task#<id>`, `<job>#<shard>`, a parent id). */
  partitionKeyBytes: DYNAMODB_LIMITS.partitionKeyBytes,
  /** DynamoDB: a sort key value (`gsi_time`: the time queued, `#`, the task id). */
  sortKeyBytes: DYNAMODB_LIMITS.sortKeyBytes,
  /** A task's kwargs, as JSON text. */
  kwargsBytes: 100 * 1024,
  /** A task's result, as JSON text. */
  resultBytes: 256 * 1024,
  /**
   * With a payload bucket: kwargs and results as JSON text, up to this (100 MiB); above
   * `kwargsBytes` and `resultBytes` they are kept in S3 and the task's item names them
   * (lib/payloads/, docs/payloads.md).
   */
  payloadBytes: 100 * 1024 * 1024,
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
  /** A caller's workflow id: fewer characters than a task id, so its tasks' derived ids (`<id>:callback`) fit 128. */
  workflowIdLength: 100,
  /** Steps of a chain, members of a group or chord. */
  maxWorkflowTasks: 10_000,
  /** Workflows queued from inside a workflow's task (children awaiting their own children…), the outermost 1. */
  maxWorkflowDepth: 8,
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
   * Lambda's synchronous response limit, "6 MB" (Lambda quotas), read as 6,000,000 bytes to
   * be safe: the whole proxy response, as JSON. Over it API Gateway answers a bare 500; the
   * local server does the same (local/http.ts).
   */
  lambdaResponseBytes: 6_000_000,
  /**
   * A JSON-RPC reply, in the bytes it adds to a Lambda proxy response (its JSON escaped as
   * the `body` string): `lambdaResponseBytes` less 64 KiB for the response's own fields and
   * headers.
   */
  maxReplyBytes: 6_000_000 - 64 * 1024,
  /** A `get_tasks` page, measured the same way: what the reply allows less room for the rest of it. */
  maxPageBytes: 6_000_000 - 80 * 1024,
} as const;

/** What marks stored text (an error, a stack, the history) that was cut to its budget. */
export const TRUNCATED = '… [truncated]';

/** DynamoDB write units for an item of `bytes`: 1 per KB begun, at least 1 (AWS: capacity unit consumption for writes). */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

// Where these live now; re-exported for the modules that import them from here.
export { utf8Bytes } from './bytes.js';
export { fitsPartitionKey } from './aws-rules/dynamodb.js';

/**
 * `text` cut to at most `max` bytes — UTF-8 (a stored string), or with `json` the bytes of its
 * JSON string literal (a control character is 6 there) — ending with `TRUNCATED` when cut.
 */
export const truncateBytes = (text: string, max: number, json = false): string =>
  cutBytes(text, max, { json, mark: TRUNCATED });

/** `text` cut to `max` characters with a mark: for log lines, not for what is stored. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}… [truncated]`;
}

/**
 * A number's size in DynamoDB: about 1 byte per two significant digits, plus 1 (AWS says
 * "approximately"; this is dynalite's formula, which adds a byte for an even digit count
 * at an even exponent and one for a negative sign).
 */
function numberBytes(n: number): number {
  if (n === 0) return 1;
  // The shortest decimal of n (as toExponential gives it), read without building strings
  // per digit: this runs for every number of every head a write sizes.
  let text = String(n < 0 ? -n : n);
  let exponent = 0;
  const e = text.indexOf('e');
  if (e >= 0) (exponent = Number(text.slice(e + 1))), (text = text.slice(0, e));
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text.length : dot;
  const all = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
  let first = 0;
  while (first < all.length - 1 && all.charCodeAt(first) === 48) first++;
  let end = all.length;
  while (end > first + 1 && all.charCodeAt(end - 1) === 48) end--;
  const digits = end - first;
  const pad = digits % 2 === 0 && (exponent + whole - 1 - first) % 2 === 0 ? 1 : 0;
  return 1 + Math.ceil(digits / 2) + pad + (n < 0 ? 1 : 0);
}

/**
 * An item's size as DynamoDB counts it toward its 400 KB: for every attribute, the UTF-8
 * bytes of its name plus its value's — a string's UTF-8 bytes, a number's `numberBytes`,
 * 1 for a boolean or null. `undefined` attributes are not written and count nothing. Items
 * here hold scalars only; a list or map throws.
 */
export function itemBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += utf8Bytes(name);
    if (typeof value === 'string') total += utf8Bytes(value);
    else if (typeof value === 'number') total += numberBytes(value);
    else if (typeof value === 'boolean' || value === null) total += 1;
    else throw new TypeError(`itemBytes: attribute ${name} is not a scalar`);
  }
  return total;
}
