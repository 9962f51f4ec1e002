/**
 * What skytask puts in an SQS request, fitted to SQS's rules (lib/aws-rules/sqs.ts): a
 * dead letter's String attributes, the delay, the visibility timeout and the number of
 * messages asked for. The SQS adapter and the memory queue both build their requests
 * here, so an attribute skytask sends is never refused (a refused dead-letter send would
 * loop until SQS moved the message without its reason).
 */
import { INVALID_CHARACTER, messageBytes, SQS_LIMITS } from './aws-rules/sqs.js';
import { cutBytes, utf8Bytes } from './bytes.js';

/** The UTF-8 bytes skytask lets one attribute value take (a dead-letter reason). */
export const ATTRIBUTE_VALUE_BYTES = 1024;

const INVALID_CHARACTERS = new RegExp(INVALID_CHARACTER.source, 'gu');

/**
 * `text` as SQS accepts it in a String attribute value: each refused character (control
 * characters, lone surrogates, U+FFFE, U+FFFF) replaced by U+FFFD, then cut to `maxBytes`
 * UTF-8 bytes ("…" marks a cut). Characters beyond the BMP are kept: SQS accepts them.
 * Empty when nothing fits (SQS refuses an empty value: leave the attribute out).
 */
export function attributeValue(text: string, maxBytes = ATTRIBUTE_VALUE_BYTES): string {
  // One more UTF-16 unit than bytes allowed: enough to see that a cut is needed, and the
  // replacement never runs over a megabyte of outside text.
  const head = text.length > maxBytes ? text.slice(0, Math.max(0, maxBytes + 1)) : text;
  return cutBytes(head.replace(INVALID_CHARACTERS, '\uFFFD'), maxBytes);
}

/** A String message attribute, as SendMessage carries it (the only type skytask sends). */
export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

const stringAttribute = (StringValue: string): StringAttribute => ({ DataType: 'String', StringValue });

/**
 * The String attributes to send with `body`, by name, in SendMessage's form: each value
 * through `attributeValue`, and cut further so that body and attributes stay within SQS's
 * message size (`messageBytes`). An attribute with no room left, or empty, is left out: the
 * message itself must go through.
 *
 * @example sqsAttributes('{"v":2}', { reason: 'unknown job "a\u0000b"' }) // { reason: { DataType: 'String', StringValue: 'unknown job "a\uFFFDb"' } }
 */
export function sqsAttributes(body: string, values: Record<string, string>): Record<string, StringAttribute> {
  let room = SQS_LIMITS.messageBytes - utf8Bytes(body);
  const attributes: Record<string, StringAttribute> = {};
  for (const [name, text] of Object.entries(values)) {
    const fixed = messageBytes('', { [name]: stringAttribute('') });
    const value = attributeValue(text, Math.min(ATTRIBUTE_VALUE_BYTES, room - fixed));
    if (!value) continue;
    attributes[name] = stringAttribute(value);
    room -= fixed + utf8Bytes(value);
  }
  return attributes;
}

/** The DelaySeconds skytask sends for a delay: whole seconds, rounded up, 0 to 900. */
export const normalizeDelay = (seconds = 0) =>
  seconds > 0 ? Math.min(SQS_LIMITS.maxDelaySeconds, Math.ceil(seconds)) : 0;

/** The VisibilityTimeout skytask sends: whole seconds, rounded up, 0 to 12 hours. */
export const normalizeVisibility = (seconds: number) =>
  Math.max(0, Math.min(SQS_LIMITS.maxVisibilitySeconds, Math.ceil(seconds)));

/** The MaxNumberOfMessages skytask asks for: 1 to 10. */
export const normalizeMax = (max: number) => Math.max(1, Math.min(SQS_LIMITS.batchEntries, max));
