/**
 * The claim-check's pure rules: where a payload's object lives (its key), how a task's item
 * names it (the marker), what an upload reference from outside must be, and how long the
 * lifecycle rules keep objects. No I/O here: lib/payloads/claim-check.ts does it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { PayloadRef } from '../payload-store.js';
import { SECONDS_PER_DAY } from '../settings.js';

/**
 * The key that marks a payload kept in S3, in place of the kwargs or result it stands for:
 * `{"skytask:payload": {bucket, key, size, sha256}}`. No caller's kwargs and no job's result
 * may have it as a top-level key (`refuseMarker`), so a marker in a task's item was always
 * written by skytask: no one can point a task at an object by writing one.
 */
export const MARKER = 'skytask:payload';

/** Where the uploads of callers go (a presigned PUT), and the objects of tasks. */
export const UPLOADS = 'uploads/';
export const TASKS = 'tasks/';

const nonce = () => randomBytes(9).toString('base64url');

/**
 * An upload's key: under `uploads/`, then the task id it is for, then a fresh nonce (two
 * uploads for one id never share an object).
 */
export const uploadKey = (taskId: string) => `${UPLOADS}${taskId}/${nonce()}`;

/**
 * A task's object of `kind`: under `tasks/`, its id, then a fresh nonce, so that two requests
 * racing for one id, or a result written by a run that lost its claim, never overwrite the
 * object another wrote.
 */
export const taskObjectKey = (taskId: string, kind: 'kwargs' | 'result') => `${TASKS}${taskId}/${kind}-${nonce()}`;

/** SHA-256 of bytes, hex. */
export const sha256Hex = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The marker standing for a payload. */
export const markerOf = (ref: PayloadRef) => ({ [MARKER]: ref });

/** The ref a value stands for, when it is a marker (a plain object whose only key is `MARKER`). */
export function refOf(value: unknown): PayloadRef | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === MARKER ? (value as Record<string, PayloadRef>)[MARKER] : undefined;
}

/** Throws ValidationError when `value` is an object with the marker's key at its top level (`what`: kwargs or result). */
export function refuseMarker(value: unknown, what: string): void {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, MARKER)) {
    throw new ValidationError(`${what}["${MARKER}"]: the key "${MARKER}" is reserved for skytask's payload references`);
  }
}

/** A size in bytes for a payload: a whole number from 1 to `LIMITS.payloadBytes`. Throws ValidationError naming `name`. */
export function checkPayloadSize(size: unknown, name: string): number {
  if (!(Number.isSafeInteger(size) && (size as number) > 0 && (size as number) <= LIMITS.payloadBytes)) {
    throw new ValidationError(`${name} must be a whole number of bytes from 1 to ${LIMITS.payloadBytes}`);
  }
  return size as number;
}

/** A SHA-256 as 64 lowercase hex digits. Throws ValidationError naming `name`. */
export function checkSha256(sha256: unknown, name: string): string {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw new ValidationError(`${name} must be the SHA-256 of the bytes, as 64 lowercase hex digits`);
  }
  return sha256;
}

/**
 * A caller's upload reference (`queue_task`'s `kwargs_ref`), checked before anything is
 * read or written: an object `{bucket, key, size, sha256}` naming our bucket and a key under
 * `uploads/<taskId>/` — so no caller points a task at an arbitrary object, at another
 * task's object, or at an upload made for another id. Throws ValidationError (→ -32602)
 * naming `kwargs_ref` and what is wrong.
 */
export function checkUploadRef(value: unknown, taskId: string, bucket: string): PayloadRef {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(
      'kwargs_ref must be the object presign_kwargs returned as "ref": {bucket, key, size, sha256}',
    );
  }
  const ref = value as Record<string, unknown>;
  const extra = Object.keys(ref).filter((k) => !['bucket', 'key', 'size', 'sha256'].includes(k));
  if (extra.length) throw new ValidationError(`kwargs_ref: unknown field ${extra.join(', ')}`);
  if (ref.bucket !== bucket) throw new ValidationError(`kwargs_ref.bucket is not this queue's payload bucket`);
  const prefix = `${UPLOADS}${taskId}/`;
  const key = ref.key;
  if (typeof key !== 'string' || !key.startsWith(prefix) || !/^[A-Za-z0-9_-]{1,64}$/.test(key.slice(prefix.length))) {
    throw new ValidationError(`kwargs_ref.key must be the key presign_kwargs returned for task id "${taskId}"`);
  }
  return {
    bucket,
    key,
    size: checkPayloadSize(ref.size, 'kwargs_ref.size'),
    sha256: checkSha256(ref.sha256, 'kwargs_ref.sha256'),
  };
}

/** Days an upload no task took is kept: the lifecycle rule on the `upload` tag. */
export const UPLOAD_DAYS = 1;

/**
 * The oldest upload a `queue_task` takes, in seconds. The `upload` rule cannot expire an
 * object younger than `UPLOAD_DAYS` (S3 counts from its creation, rounded up to midnight
 * UTC), so an upload this young outlives the request that takes it by far.
 */
export const MAX_UPLOAD_AGE_SECONDS = 12 * 3600;

/** Seconds a presigned PUT works: long enough for 100 MB on a slow line, far below `MAX_UPLOAD_AGE_SECONDS`. */
export const PUT_URL_SECONDS = 3600;

/** Seconds a presigned GET given by `get_task` works. */
export const GET_URL_SECONDS = 3600;

/**
 * Days after its creation an object tagged `ended` is expired: the retention in whole days
 * plus one. An ended task's objects are written or copied (a new object) when it ends, and
 * its record is kept the retention after that; the extra day covers the time between the
 * object's creation and the end's write, so the object outlives the record.
 */
export const endedDays = (retentionSeconds: number) => Math.ceil(retentionSeconds / SECONDS_PER_DAY) + 1;

/**
 * When S3 expires an object created at `created` (epoch seconds) under a rule of `days`:
 * creation plus the days, rounded up to the next midnight UTC (AWS: "Lifecycle rules:
 * based on an object's age" — "rounds the resulting time to the next day midnight UTC").
 */
export function expiresAt(created: number, days: number): number {
  const at = created + days * SECONDS_PER_DAY;
  return Math.ceil(at / SECONDS_PER_DAY) * SECONDS_PER_DAY;
}
