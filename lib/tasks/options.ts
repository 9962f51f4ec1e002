import { ValidationError } from '../errors.js';
import type { Kwargs } from '../job.js';
import { CALLER_ID_RULE, isCallerTaskId } from '../keys.js';
import { type KwargsSchema, kwargsFromResult } from '../kwargs-schema.js';
import { toJson } from '../json.js';
import { fitsPartitionKey } from '../aws-rules/dynamodb.js';
import { utf8Bytes } from '../bytes.js';
import { LIMITS } from '../limits.js';
import { checkTraceparent } from '../trace.js';
import { checkPriority, type Priority } from '../priority.js';
import { refuseMarker } from '../payloads/ref.js';

/** The options of `queue_task` (and of the clients' `queueTask`). Times in seconds. */
export interface QueueTaskOptions {
  /**
   * Caller-given id, 1-128 characters of `A-Z a-z 0-9 _ . -`, not dots alone (a colon marks the ids skytask
   * derives: lib/keys.ts). Queueing an id that exists returns that task and sends nothing if
   * it is the same request (job and kwargs), and is a ConflictError (-32003) otherwise.
   */
  id?: string;
  /** Seconds after the task is due before it expires (Pulsar's `expiry`); overrides the job's `expires`. */
  expiry?: number;
  /** Seconds from now before the task is due, up to a year. */
  delay?: number;
  /** When the task is due (epoch seconds), up to a year ahead; instead of `delay`. */
  eta?: number;
  /** The task that queues this one (sub-tasks). */
  fromTask?: string;
  /** Who asked (recorded on the task). */
  caller?: string;
  /**
   * The W3C trace context the task is queued in (`00-<trace id>-<parent id>-<flags>`): its
   * run continues that trace (lib/trace.ts). Without it: the X-Ray trace Lambda runs the
   * caller in, if any.
   */
  traceparent?: string;
  /** `high`, `default` or `low`: the lane of its routed queue (docs/routing.md). @default the job's `priority` */
  priority?: Priority;
}

/** Checked kwargs: what is stored, and what the job's `run` receives. */
export interface CheckedKwargs {
  /** The JSON copy of the caller's kwargs: what is stored and sent (the schema's input). */
  json: Kwargs;
  /** The schema's output (a Date for a date string…); `json` itself when the job has no schema. */
  value: Kwargs;
  /** `json` as JSON text. */
  text: string;
}

/**
 * Check a task's kwargs: a plain JSON object, nesting at most `LIMITS.maxDepth` levels, with
 * nothing JSON would change silently (`toJson`: a Set, a Map, NaN…, refused naming the path,
 * `kwargs.tags: a Set is not JSON`), without the payload marker's key (lib/payloads/ref.ts), at
 * most `maxBytes` UTF-8 bytes of JSON (`LIMITS.kwargsBytes`; `LIMITS.payloadBytes` with a
 * payload bucket: lib/payloads/claim-check.ts, `kwargsCap`); then,
 * when the job has a schema, its JSON copy through the schema (which may answer
 * asynchronously), refusing any key the schema dropped. The one check of every way in
 * (queue_task, the clients, sub-tasks, producer messages, periodic fires) and of the
 * consumer before `run`.
 *
 * Throws ValidationError (→ JSON-RPC -32602) otherwise; a schema's refusal names each field
 * in its message (`kwargs.b: Expected number, received string`) and its `data`
 * (`{ issues: [{ path: ['b'], message }] }`).
 */
export async function checkKwargs(
  kwargs: unknown,
  schema?: KwargsSchema,
  maxBytes: number = LIMITS.kwargsBytes,
): Promise<CheckedKwargs> {
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new ValidationError('kwargs must be a JSON object');
  }
  refuseMarker(kwargs, 'kwargs');
  const size = toJson(kwargs, 'kwargs', LIMITS.maxDepth);
  if ('problem' in size) throw new ValidationError(size.problem);
  if (size.bytes > maxBytes) {
    throw new ValidationError(`kwargs are ${size.bytes} bytes, over the ${maxBytes}-byte limit`, {
      bytes: size.bytes,
      limit: maxBytes,
    });
  }
  const json: Kwargs = JSON.parse(size.json);
  if (!schema) return { json, value: json, text: size.json };
  // The schema reads its own copy: a transform that mutates its input changes neither what
  // is stored nor what the dropped keys are compared with.
  const result = await schema['~standard'].validate(JSON.parse(size.json));
  return { json, value: kwargsFromResult(result, json), text: size.json };
}

/** The option names `queue_task` takes (a caller may not give `fromTask`/`caller` over JSON-RPC; the entry points set them). */
export const QUEUE_OPTION_NAMES: readonly string[] = [
  'id',
  'expiry',
  'delay',
  'eta',
  'fromTask',
  'caller',
  'traceparent',
  'priority',
];

/** Throws ValidationError naming an option that is not one of `QUEUE_OPTION_NAMES` (a mistyped `delya`). */
export function checkOptionNames(options: object): void {
  const unknown = Object.keys(options ?? {}).filter((k) => !QUEUE_OPTION_NAMES.includes(k));
  if (unknown.length)
    throw new ValidationError(`unknown option${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * `delay`, `eta` and `expiry`: each a finite number in its range, so that every time stored
 * from them (`eta`, `expiry`) is an epoch-second time near now, which DynamoDB stores and
 * the SDK marshals. (DynamoDB numbers: at most 38 significant digits, magnitude 1E-130 to
 * 9.9999999999999999999999999999999999999E+125 — `1e-131` is refused; the SDK's marshaller
 * refuses NaN, ±Infinity and any number beyond ±2^53 before sending.)
 */
function checkTimes({ delay, eta, expiry }: QueueTaskOptions, now: number): void {
  const year = LIMITS.maxScheduleSeconds;
  if (delay !== undefined && eta !== undefined) throw new ValidationError('give delay or eta, not both');
  if (delay !== undefined && !(isNumber(delay) && delay >= 0 && delay <= year)) {
    throw new ValidationError(`delay must be a number of seconds from 0 to ${year} (a year)`);
  }
  if (eta !== undefined && !(isNumber(eta) && Math.abs(eta - now) <= year)) {
    throw new ValidationError('eta must be a time in epoch seconds within a year of now (a past eta is due at once)');
  }
  // 0 is Pulsar's: the task is recorded and ends REVOKED at its delivery, never run.
  if (expiry !== undefined && !(isNumber(expiry) && expiry >= 0 && expiry <= LIMITS.maxExpirySeconds)) {
    throw new ValidationError(`expiry must be a number of seconds from 0 to ${LIMITS.maxExpirySeconds} (a year)`);
  }
}

/**
 * Check `queue_task`'s options (no unknown names) against `now` (epoch seconds): a caller
 * id (isCallerTaskId); `delay` (0 s to a year) or `eta` (within a year of now) but not both;
 * `expiry` (0 s to a year; 0: the task is REVOKED at its delivery, never run, as in Pulsar); `priority`
 * (`high`, `default` or `low`); the entry points' `fromTask` (a task id: it is an index key,
 * at most `LIMITS.partitionKeyBytes`) and `caller` (at most `LIMITS.callerBytes`), in
 * UTF-8 bytes; a W3C `traceparent` (checkTraceparent). Returns when the task is due (epoch seconds), if not now. Throws
 * ValidationError naming the option.
 */
export function checkOptions(options: QueueTaskOptions, now: number): number | undefined {
  checkOptionNames(options);
  if (options.id !== undefined && !isCallerTaskId(options.id)) throw new ValidationError(CALLER_ID_RULE);
  checkTimes(options, now);
  if (options.priority !== undefined) checkPriority(options.priority);
  const { fromTask, caller } = options;
  if (fromTask !== undefined && !(typeof fromTask === 'string' && fromTask && fitsPartitionKey(fromTask))) {
    throw new ValidationError(`fromTask must be a task id, at most ${LIMITS.partitionKeyBytes} UTF-8 bytes`);
  }
  if (caller !== undefined && !(typeof caller === 'string' && utf8Bytes(caller) <= LIMITS.callerBytes)) {
    throw new ValidationError(`caller must be a string of at most ${LIMITS.callerBytes} UTF-8 bytes`);
  }
  if (options.traceparent !== undefined) checkTraceparent(options.traceparent);
  return options.delay ? now + options.delay : options.eta;
}
