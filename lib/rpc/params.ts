import { ValidationError } from '../errors.js';
import { jobIndexKey, SHARDS, taskKey } from '../keys.js';
import { fitsPartitionKey } from '../aws-rules/dynamodb.js';
import { utf8Bytes } from '../bytes.js';
import { LIMITS } from '../limits.js';

/** A JSON-RPC call's params, by name (positional params are named by the method first). */
export type Params = Record<string, unknown>;

/** A ValidationError (→ -32602 invalid params). */
export const invalid = (message: string) => new ValidationError(message);

/** Checks one string param (`label` names it in the error: `id`, `ids[3]`) and returns it. */
type StringCheck = (label: string, v: unknown) => string;

/** A non-empty string of at most `maxBytes` UTF-8 bytes. */
const text =
  (maxBytes: number): StringCheck =>
  (label, v) => {
    if (typeof v !== 'string' || v.length === 0) throw invalid(`${label} must be a non-empty string`);
    if (utf8Bytes(v) > maxBytes) throw invalid(`${label} must be at most ${maxBytes} UTF-8 bytes`);
    return v;
  };

/**
 * How a param becomes a DynamoDB partition key, which AWS caps at `LIMITS.partitionKeyBytes`
 * UTF-8 bytes (dynalite counts characters: only this check holds locally as on AWS).
 */
export type KeyOf = (value: string) => string;
/** A task id: the table key `task#<id>`. */
export const TASK_KEY: KeyOf = (id) => taskKey(id).pk;
/** A job name: the `by_job` index key `<name>#<group>#<shard>` (with the longest group and shard). */
export const JOB_KEY: KeyOf = (name) => jobIndexKey(name, 'PENDING', SHARDS - 1);
/** A parent task id: the `by_parent` index key itself. */
export const PARENT_KEY: KeyOf = (id) => id;

/** A non-empty string whose key (`keyOf`) fits a partition key. */
const key =
  (keyOf: KeyOf): StringCheck =>
  (label, v) => {
    if (typeof v !== 'string' || v.length === 0) throw invalid(`${label} must be a non-empty string`);
    const k = keyOf(v);
    if (!fitsPartitionKey(k)) {
      throw invalid(
        `${label} is too long: as a DynamoDB key it is ${utf8Bytes(k)} UTF-8 bytes, over the ${LIMITS.partitionKeyBytes}-byte limit`,
      );
    }
    return v;
  };

function optional(params: Params, name: string, check: StringCheck): string | undefined {
  const v = params[name];
  return v === undefined || v === null ? undefined : check(name, v);
}

function required(params: Params, name: string, check: StringCheck): string {
  const v = optional(params, name, check);
  if (v === undefined) throw invalid(`${name} is required`);
  return v;
}

/** A list of at most `LIMITS.maxIdsPerCall` strings that each pass `check`; undefined when absent or null. */
function optionalList(params: Params, name: string, check: StringCheck): string[] | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > LIMITS.maxIdsPerCall) {
    throw invalid(`${name} must be a list of at most ${LIMITS.maxIdsPerCall} strings`);
  }
  return v.map((x, n) => check(`${name}[${n}]`, x));
}

/** A non-empty string of at most `LIMITS.stringParamBytes` UTF-8 bytes, or undefined when absent or null. */
export const optionalString = (params: Params, name: string) => optional(params, name, text(LIMITS.stringParamBytes));
export const requiredString = (params: Params, name: string) => required(params, name, text(LIMITS.stringParamBytes));
/** A list of at most `LIMITS.maxIdsPerCall` such strings, or undefined when absent or null. */
export const optionalStringList = (params: Params, name: string) =>
  optionalList(params, name, text(LIMITS.stringParamBytes));

/** A string that becomes a partition key (`keyOf`) and fits one, or undefined; the error names the param. */
export const optionalKey = (params: Params, name: string, keyOf: KeyOf) => optional(params, name, key(keyOf));
export const requiredKey = (params: Params, name: string, keyOf: KeyOf) => required(params, name, key(keyOf));
/** A list of at most `LIMITS.maxIdsPerCall` such strings; the error names the first that does not fit (`ids[3]`). */
export const optionalKeyList = (params: Params, name: string, keyOf: KeyOf) => optionalList(params, name, key(keyOf));

/**
 * A finite number in [min, max] — an integer when `integer` (DynamoDB's `Limit`, a count) —
 * or undefined when absent or null.
 */
export function optionalNumber(params: Params, name: string, min: number, max: number, integer = false) {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw invalid(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return v;
}
