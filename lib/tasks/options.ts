import { ValidationError } from '../errors.js';
import { CALLER_ID_RULE, isCallerTaskId } from '../keys.js';
import type { Kwargs } from '../job.js';
import { type KwargsSchema, kwargsFromResult } from '../kwargs-schema.js';
import { jsonSize, LIMITS } from '../limits.js';

/** The options of `queue_task` (and of the clients' `queueTask`). Times in seconds. */
export interface QueueTaskOptions {
  /**
   * Caller-given id, 1-128 characters of `A-Z a-z 0-9 _ . -` (a colon marks the ids skytask
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
}

/** How deep a JSON value nests (without recursion: a hostile value may nest very deep). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    max = Math.max(max, depth);
    if (max > LIMITS.maxDepth) return max;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

/** Checked kwargs: what is stored, and what the job's `run` receives. */
export interface CheckedKwargs {
  /** The JSON copy of the caller's kwargs: what is stored and sent (the schema's input). */
  json: Kwargs;
  /** The schema's output (a Date for a date string…); `json` itself when the job has no schema. */
  value: Kwargs;
}

/**
 * Check a task's kwargs: a plain JSON object, nesting at most `LIMITS.maxDepth` levels,
 * at most `LIMITS.kwargsBytes` UTF-8 bytes of JSON; then, when the job has a schema, its
 * JSON copy through the schema (which may answer asynchronously), refusing any key the
 * schema dropped. The one check of every way in (queue_task, the clients, sub-tasks,
 * producer messages, periodic fires) and of the consumer before `run`.
 *
 * Throws ValidationError (→ JSON-RPC -32602) otherwise; a schema's refusal names each field
 * in its message (`kwargs.b: Expected number, received string`) and its `data`
 * (`{ issues: [{ path: ['b'], message }] }`).
 */
export async function checkKwargs(kwargs: unknown, schema?: KwargsSchema): Promise<CheckedKwargs> {
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new ValidationError('kwargs must be a JSON object');
  }
  if (depthOf(kwargs) > LIMITS.maxDepth) throw new ValidationError(`kwargs nest deeper than ${LIMITS.maxDepth} levels`);
  const size = jsonSize(kwargs);
  if (!size) throw new ValidationError('kwargs must be JSON-serializable');
  if (size.bytes > LIMITS.kwargsBytes) {
    throw new ValidationError(`kwargs are ${size.bytes} bytes, over the ${LIMITS.kwargsBytes}-byte limit`, {
      bytes: size.bytes,
      limit: LIMITS.kwargsBytes,
    });
  }
  const json: Kwargs = JSON.parse(size.json);
  if (!schema) return { json, value: json };
  // The schema reads its own copy: a transform that mutates its input changes neither what
  // is stored nor what the dropped keys are compared with.
  const result = await schema['~standard'].validate(JSON.parse(size.json));
  return { json, value: kwargsFromResult(result, json) };
}

/** The option names `queue_task` takes (a caller may not give `fromTask`/`caller` over JSON-RPC; the entry points set them). */
export const QUEUE_OPTION_NAMES: readonly string[] = ['id', 'expiry', 'delay', 'eta', 'fromTask', 'caller'];

/** Throws ValidationError naming an option that is not one of `QUEUE_OPTION_NAMES` (a mistyped `delya`). */
export function checkOptionNames(options: object): void {
  const unknown = Object.keys(options ?? {}).filter((k) => !QUEUE_OPTION_NAMES.includes(k));
  if (unknown.length)
    throw new ValidationError(`unknown option${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
}

/**
 * Check `queue_task`'s options (no unknown names) against `now` (epoch seconds): a caller id
 * (isCallerTaskId), `delay` (0 s to a year) or `eta` (at most a year ahead) but not both, an
 * `expiry` of 0 s or more (0: the task is REVOKED at its delivery, never run, as in Pulsar). Returns when the task is due (epoch seconds), if not now. Throws ValidationError.
 */
export function checkOptions(options: QueueTaskOptions, now: number): number | undefined {
  checkOptionNames(options);
  if (options.id !== undefined && !isCallerTaskId(options.id)) throw new ValidationError(CALLER_ID_RULE);
  const { delay, eta, expiry } = options;
  const max = LIMITS.maxScheduleSeconds;
  if (delay !== undefined && eta !== undefined) throw new ValidationError('give delay or eta, not both');
  if (delay !== undefined && !(typeof delay === 'number' && delay >= 0 && delay <= max)) {
    throw new ValidationError(`delay must be a number of seconds from 0 to ${max} (a year)`);
  }
  if (eta !== undefined && !(typeof eta === 'number' && Number.isFinite(eta) && eta <= now + max)) {
    throw new ValidationError('eta must be a time in epoch seconds, at most a year from now');
  }
  if (expiry !== undefined && !(typeof expiry === 'number' && expiry >= 0 && Number.isFinite(expiry))) {
    throw new ValidationError('expiry must be a number of seconds, 0 or more');
  }
  return delay ? now + delay : eta;
}
