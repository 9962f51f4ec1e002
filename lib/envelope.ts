import { echo } from './echo.js';
import { CALLER_ID_RULE, isCallerTaskId, producerTaskId } from './keys.js';
import { LIMITS } from './limits.js';
import { formatTraceparent, parseTraceparent } from './trace.js';

/**
 * The SQS message body: a small versioned JSON envelope, so that a service in any
 * language can queue with a plain SendMessage. Two forms, told apart by `kwargs`:
 *
 *   { "v": 1, "id": "<task id>", "job": "<job name>", "traceparent": "<optional W3C traceparent>" }
 *       a task message: the record was written first (queue_task, the clients); the
 *       envelope only names the task, and never creates one (no record: dropped).
 *
 *   { "v": 1, "job": "<job name>", "kwargs": { … }, "id": "<optional task id>" }
 *       a producer message, from a service that never wrote the record (`kwargs`
 *       is what makes it one; `"kwargs": null` is `{}`, as queue_task takes it): the consumer
 *       creates it (kwargs cap, non-overlap and expiry apply), then runs it. Its `id`
 *       is a caller-given one (no colon); without one the consumer derives
 *       `sqs:<SQS message id>`, so a redelivery is the same task. An id that exists for
 *       another request refuses the message (lib/tasks/enqueue.ts recordTask).
 */
export interface Envelope {
  v: 1;
  id: string;
  job: string;
  /**
   * Either form: the W3C trace context the task was queued in (lib/trace.ts), when there is
   * one. In the body rather than a message attribute: it then rides wherever the body goes
   * (EventBridge Scheduler's timer, the dead-letter queue, a redrive). Read only when valid:
   * an invalid one is ignored (W3C: start a new trace), never a reason to refuse a message.
   */
  traceparent?: string;
}

/** A producer message: kwargs, and an id only if the producer gave one. */
export interface ProducerEnvelope {
  v: 1;
  id?: string;
  job: string;
  kwargs: Record<string, unknown>;
  traceparent?: string;
  /**
   * The envelope's `traceparent` when it was present (not null) but no W3C traceparent:
   * an echo of it (lib/echo.ts) for the warning the consumer logs. The task is kept without
   * it (W3C: an invalid traceparent starts a new trace), not refused for a header.
   */
  badTraceparent?: string;
}

export function encodeEnvelope(envelope: Omit<Envelope, 'v'>): string {
  return JSON.stringify({ v: 1, id: envelope.id, job: envelope.job, traceparent: envelope.traceparent });
}

/** A body's valid traceparent in its version 00 form; none for an absent or invalid one. */
const traceOf = (value: unknown) => {
  const context = parseTraceparent(value);
  return context ? { traceparent: formatTraceparent(context) } : {};
};

/** Why a body with neither form's field is refused: it says what each form needs. */
const NEITHER = 'id is missing: a task message needs an id; a producer message needs kwargs ({} for none)';

/**
 * The envelope (`producer` set for a producer message), or a reason why the body is not
 * one. Never throws, whatever the body (bodies come from outside: any SQS producer); a
 * reason echoes at most a few hundred bytes of it.
 */
export function decodeEnvelope(
  body: string,
):
  | { envelope: Envelope; producer?: undefined }
  | { envelope?: undefined; producer: ProducerEnvelope }
  | { invalid: string } {
  let value: any;
  try {
    value = JSON.parse(body);
  } catch {
    return { invalid: 'body is not JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { invalid: 'body is not a JSON object' };
  // The reason echoes `v` bounded and without walking it: a body is outside input (lib/echo.ts).
  if (value.v !== 1) return { invalid: `unsupported envelope version ${echo(value.v)} (skytask reads v: 1)` };
  if (typeof value.job !== 'string' || !value.job) return { invalid: 'job is missing' };
  const producer = value.kwargs !== undefined;
  // A task message names any task, derived ids too; a producer's own id is a caller-given one.
  if (!producer && value.id === undefined) return { invalid: NEITHER };
  if (!producer && (typeof value.id !== 'string' || !LIMITS.idPattern.test(value.id)))
    return { invalid: 'id is malformed' };
  if (producer && value.id !== undefined && value.id !== null && !isCallerTaskId(value.id))
    return { invalid: CALLER_ID_RULE };
  if (!producer) return { envelope: { v: 1, id: value.id, job: value.job, ...traceOf(value.traceparent) } };
  // null is no kwargs, as queue_task takes it (`"kwargs": null`, Python's None).
  const kwargs = value.kwargs ?? {};
  if (typeof kwargs !== 'object' || Array.isArray(kwargs)) return { invalid: 'kwargs must be a JSON object' };
  const envelope: ProducerEnvelope = { v: 1, job: value.job, kwargs, ...traceOf(value.traceparent) };
  if (typeof value.id === 'string') envelope.id = value.id;
  if (value.traceparent != null && !envelope.traceparent) envelope.badTraceparent = echo(value.traceparent);
  return { producer: envelope };
}

/** The task id a decoded message is for: the envelope's, the producer's, or one derived from the SQS message id. */
export function taskIdOf(
  decoded: { envelope: Envelope } | { envelope?: undefined; producer: ProducerEnvelope },
  messageId: string,
): string {
  return decoded.envelope ? decoded.envelope.id : (decoded.producer.id ?? producerTaskId(messageId));
}
