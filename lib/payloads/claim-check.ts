/**
 * The claim-check: kwargs and results over a task's item budget (`LIMITS.kwargsBytes`,
 * `LIMITS.resultBytes`) are kept as objects in the payload store, and the task's item holds
 * a marker naming the object (lib/payloads/ref.ts). Jobs never see it: the consumer reads the
 * kwargs back before `run`, and writes a large result itself. docs/payloads.md.
 *
 * An object's life follows its task (lib/payload-store.ts for the tags): a caller's upload
 * is tagged `upload` (gone within two days unless a task takes it); the task's own copy is
 * untagged while the task can still run, however far ahead it is due; when the task ends,
 * its kwargs object is copied onto itself tagged `ended` — a new object, so S3's count of
 * days starts at the end — and its result is written tagged `ended`: both outlive the
 * record, which is kept the retention after the end (`endedDays`).
 */
import { UnrecoverableError, ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import { LIMITS } from '../limits.js';
import type { PayloadRef, PayloadStore } from '../payload-store.js';
import type { Outcome } from '../store.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { checkUploadRef, MAX_UPLOAD_AGE_SECONDS, markerOf, refOf, sha256Hex, taskObjectKey } from './ref.js';

type Deps = Pick<TaskDeps, 'payloads' | 'clock'>;

/** The largest kwargs, as JSON text in UTF-8 bytes, a task may have: `payloadBytes` with a payload store. */
export const kwargsCap = (deps: Pick<TaskDeps, 'payloads'>) =>
  deps.payloads ? LIMITS.payloadBytes : LIMITS.kwargsBytes;

/** The largest result a job may return, likewise. */
export const resultCap = (deps: Pick<TaskDeps, 'payloads'>) =>
  deps.payloads ? LIMITS.payloadBytes : LIMITS.resultBytes;

/** A caller's upload taken for a task: where it is, and the kwargs in it (parsed, not yet checked). */
export interface AcceptedUpload {
  ref: PayloadRef;
  kwargs: unknown;
}

/** The payload store, or ValidationError when there is none. */
export function storeOf(deps: Pick<TaskDeps, 'payloads'>): PayloadStore {
  if (!deps.payloads) throw new ValidationError('this queue has no payload bucket: kwargs_ref is not accepted');
  return deps.payloads;
}

/**
 * Read the upload a caller names for task `taskId` (`queue_task`'s `kwargs_ref`), checking,
 * before anything is written: its place (`checkUploadRef`: our bucket, `uploads/<taskId>/`),
 * that the object exists, its size and SHA-256 against the ref, that it is younger than
 * `MAX_UPLOAD_AGE_SECONDS` (so no lifecycle rule can take it from the task being queued),
 * and that it is JSON. Throws ValidationError (→ -32602) naming `kwargs_ref`.
 */
export async function readUpload(deps: Deps, value: unknown, taskId: string): Promise<AcceptedUpload> {
  const payloads = storeOf(deps);
  const ref = checkUploadRef(value, taskId, payloads.bucket);
  const object = await payloads.get(ref.key);
  if (!object) throw new ValidationError(`kwargs_ref: no object at ${ref.key} (not uploaded, or expired)`);
  if (object.body.length !== ref.size) {
    throw new ValidationError(`kwargs_ref.size is ${ref.size} bytes; the object has ${object.body.length}`);
  }
  if (sha256Hex(object.body) !== ref.sha256) throw new ValidationError('kwargs_ref.sha256 does not match the object');
  if (deps.clock() - object.created > MAX_UPLOAD_AGE_SECONDS) {
    throw new ValidationError(
      `kwargs_ref: the upload is over ${MAX_UPLOAD_AGE_SECONDS / 3600} hours old: upload again`,
    );
  }
  try {
    return { ref, kwargs: JSON.parse(object.body.toString('utf8')) };
  } catch {
    throw new ValidationError('kwargs_ref: the object is not JSON');
  }
}

/**
 * A new task as its record is written: kwargs whose JSON `text` is over
 * `LIMITS.kwargsBytes` become the marker of an untagged object under `tasks/<id>/` — the
 * caller's upload copied there, or `text` put there. `key` is that object: the caller
 * deletes it (`dropObjects`) when the record is not written. Without a payload store, or
 * within the budget, the task as it is.
 */
export async function offloadKwargs(deps: Deps, task: Task, text: string, upload?: AcceptedUpload) {
  if (!deps.payloads || Buffer.byteLength(text) <= LIMITS.kwargsBytes) return { task };
  const key = taskObjectKey(task.id, 'kwargs');
  let ref: PayloadRef;
  if (upload) {
    await deps.payloads.copy(upload.ref.key, key);
    ref = { ...upload.ref, key };
  } else {
    const body = Buffer.from(text);
    await deps.payloads.put(key, body);
    ref = { bucket: deps.payloads.bucket, key, size: body.length, sha256: sha256Hex(body) };
  }
  return { task: { ...task, kwargs: markerOf(ref) }, key };
}

/**
 * The bytes of a payload, checked against its ref. Throws UnrecoverableError when the object
 * is missing or differs (no retry brings it back); the store's own errors as they are.
 */
export async function readPayload(payloads: PayloadStore | undefined, ref: PayloadRef): Promise<Buffer> {
  if (!payloads) throw new UnrecoverableError(`payload ${ref.key}: this runtime has no payload bucket`);
  const object = await payloads.get(ref.key);
  if (!object) throw new UnrecoverableError(`payload ${ref.key} is missing from the bucket`);
  if (object.body.length !== ref.size || sha256Hex(object.body) !== ref.sha256) {
    throw new UnrecoverableError(`payload ${ref.key} does not match its size and SHA-256`);
  }
  return object.body;
}

/** A task's kwargs as the job gets them: read back from their object when the item holds a marker. */
export async function loadKwargs(deps: Pick<TaskDeps, 'payloads'>, task: Task): Promise<Task['kwargs']> {
  const ref = refOf(task.kwargs);
  return ref ? JSON.parse((await readPayload(deps.payloads, ref)).toString('utf8')) : task.kwargs;
}

/** The task with its kwargs and result read back from their objects (the direct client, `skytask/testing`). */
export async function loadPayloads(deps: Pick<TaskDeps, 'payloads'>, task: Task): Promise<Task> {
  if (!refOf(task.result) && !refOf(task.kwargs)) return task;
  return { ...task, kwargs: await loadKwargs(deps, task), result: await loadResult(deps, task) };
}

/** A task's result, read back (and checked) when it is kept in the payload bucket; as it is otherwise. */
export async function loadResult(deps: Pick<TaskDeps, 'payloads'>, task: Task): Promise<unknown> {
  const ref = refOf(task.result);
  return ref ? JSON.parse((await readPayload(deps.payloads, ref)).toString('utf8')) : task.result;
}

/**
 * A SUCCESS outcome whose result is over `LIMITS.resultBytes`, with the result put in its
 * own object — tagged `ended` at once: the finish is the task's end, and a result written by
 * a run that then loses its claim is an orphan that expires — and the marker in its place.
 */
export async function offloadResult(deps: Pick<TaskDeps, 'payloads'>, task: Task, outcome: Outcome) {
  const json = outcome.resultJson;
  // Measured without a copy: most results stay in the item.
  if (!deps.payloads || outcome.status !== 'SUCCESS' || json === undefined) return outcome;
  if (Buffer.byteLength(json) <= LIMITS.resultBytes) return outcome;
  const body = Buffer.from(json);
  const key = taskObjectKey(task.id, 'result');
  await deps.payloads.put(key, body, 'ended');
  const ref = { bucket: deps.payloads.bucket, key, size: body.length, sha256: sha256Hex(body) };
  return { ...outcome, resultJson: JSON.stringify(markerOf(ref)) };
}

/** The objects a task's item names. */
export const objectsOf = (task: Task) =>
  [refOf(task.kwargs), refOf(task.result)].filter((ref): ref is PayloadRef => !!ref);

/**
 * The task has ended: its kwargs object is copied onto itself tagged `ended` (its result's
 * was written so). A failure is logged, not thrown — the task's end stands; the object is
 * then kept until deleted (docs/payloads.md).
 */
export async function expirePayloads(deps: Partial<Pick<TaskDeps, 'payloads' | 'logger'>>, task: Task) {
  const ref = refOf(task.kwargs);
  if (!ref || !deps.payloads) return;
  try {
    await deps.payloads.copy(ref.key, ref.key, 'ended');
  } catch (err) {
    (deps.logger as Logger | undefined)?.warn({ err, task_id: task.id, key: ref.key }, 'payload not tagged for expiry');
  }
}

/** A redriven task runs again: its kwargs object is made untagged again (a new object, kept until the task ends). */
export async function revivePayloads(deps: Pick<TaskDeps, 'payloads'>, task: Task) {
  const ref = refOf(task.kwargs);
  if (ref && deps.payloads) await deps.payloads.copy(ref.key, ref.key);
}

/** Delete objects of tasks that are gone (deleted tasks, a record that was not written). */
export async function dropObjects(deps: Pick<TaskDeps, 'payloads'>, keys: string[]) {
  if (deps.payloads && keys.length) await deps.payloads.delete(keys);
}
