import { LIMITS } from './limits.js';

/**
 * The SQS message body: a small versioned JSON envelope, so that a service in any
 * language can queue with a plain SendMessage. The task record holds the kwargs; the
 * envelope only names the task.
 *
 *   { "v": 1, "id": "<task id>", "job": "<job name>" }
 */
export interface Envelope {
  v: 1;
  id: string;
  job: string;
}

export function encodeEnvelope(envelope: Omit<Envelope, 'v'>): string {
  return JSON.stringify({ v: 1, id: envelope.id, job: envelope.job });
}

/** The envelope, or a reason why the body is not one. */
export function decodeEnvelope(body: string): { envelope: Envelope } | { invalid: string } {
  let value: any;
  try {
    value = JSON.parse(body);
  } catch {
    return { invalid: 'body is not JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { invalid: 'body is not a JSON object' };
  if (value.v !== 1) return { invalid: `unsupported envelope version ${JSON.stringify(value.v)}` };
  if (typeof value.id !== 'string' || !LIMITS.idPattern.test(value.id)) return { invalid: 'id is missing or malformed' };
  if (typeof value.job !== 'string' || !value.job) return { invalid: 'job is missing' };
  return { envelope: { v: 1, id: value.id, job: value.job } };
}
