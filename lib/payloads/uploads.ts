/**
 * Large kwargs from outside: JSON-RPC carries at most `LIMITS.maxRequestBytes` (1 MiB), so a
 * caller asks `presign_kwargs` for a presigned PUT, uploads the kwargs' JSON to S3 itself,
 * then queues the task with `kwargs_ref` — the reference `presign_kwargs` answered. The
 * clients (lib/client/queue-calls.ts) and the CLI do it for kwargs over the item budget.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { CALLER_ID_RULE, isCallerTaskId } from '../keys.js';
import type { PayloadRef, PresignedPut } from '../payload-store.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { queueTask } from '../tasks/enqueue.js';
import type { QueueTaskOptions } from '../tasks/options.js';
import { readUpload, storeOf } from './claim-check.js';
import { checkPayloadSize, checkSha256, PUT_URL_SECONDS, uploadKey } from './ref.js';

/** What `presign_kwargs` answers: the task id the upload is for, its reference, and the PUT to make. */
export interface KwargsUpload extends PresignedPut {
  id: string;
  ref: PayloadRef;
}

/**
 * A presigned PUT for kwargs of `size` bytes of JSON whose SHA-256 is `sha256` (hex), for
 * task `id` (a caller id, or a new one). The object is tagged `upload`: it expires within two
 * days unless a `queue_task` takes it. Throws ValidationError (→ -32602) naming the param.
 */
export async function presignKwargs(
  deps: Pick<TaskDeps, 'payloads'>,
  params: { size: unknown; sha256: unknown; id?: unknown },
): Promise<KwargsUpload> {
  const payloads = storeOf(deps);
  const size = checkPayloadSize(params.size, 'size');
  const sha256 = checkSha256(params.sha256, 'sha256');
  if (params.id !== undefined && !isCallerTaskId(params.id)) throw new ValidationError(CALLER_ID_RULE);
  const id = (params.id as string | undefined) ?? randomUUID();
  const key = uploadKey(id);
  const put = await payloads.presignPut(key, { size, sha256 }, PUT_URL_SECONDS);
  return { id, ref: { bucket: payloads.bucket, key, size, sha256 }, ...put };
}

/**
 * Queue a task whose kwargs a caller uploaded (`queue_task` with `kwargs_ref`): the job must
 * exist and `options.id` must be the id the upload was presigned for; the upload is read and
 * checked (`readUpload`) before anything is written, then the kwargs go through the same
 * checks and path as any task's (`queueTask`), and the upload is copied to the task's own
 * object. Throws ValidationError (→ -32602) naming `kwargs_ref` or the option.
 */
export async function queueUploaded(
  deps: TaskDeps,
  jobName: string,
  ref: unknown,
  options: QueueTaskOptions,
): Promise<Task | null> {
  deps.registry.require(jobName);
  if (options.id === undefined) throw new ValidationError('kwargs_ref needs the id that presign_kwargs returned');
  if (!isCallerTaskId(options.id)) throw new ValidationError(CALLER_ID_RULE);
  const upload = await readUpload(deps, ref, options.id);
  return queueTask(deps, jobName, upload.kwargs, options, { upload });
}
