/**
 * What SQS lets a message carry, counted as SQS counts it: the characters of a body and of
 * a message attribute value, and the message size (body plus attributes). The SQS adapter
 * and the memory queue both build their attributes here, so an attribute skytask sends is
 * never refused (a refused dead-letter send would loop until SQS moved the message without
 * its reason).
 *
 * Sources: the SQS API reference, SendMessage `MessageBody` ("#x9 | #xA | #xD | #x20 to
 * #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF") and the SQS developer guide, "Amazon SQS
 * message attributes" (a String value follows the body's character rules, must not be
 * empty, and its name, type and value count toward the message size).
 */
import { cutUtf8 } from './echo.js';

/** SQS's largest message: the body plus each attribute's name, type and value, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 1_048_576;

/** The UTF-8 bytes skytask lets one attribute value take (a dead-letter reason). */
export const ATTRIBUTE_VALUE_BYTES = 1024;

// XML 1.0's characters, as SQS allows them. With the `u` flag a lone surrogate is a code point of its own, and refused.
const INVALID = '[^\\t\\n\\r\\u0020-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]';

/** Matches a character SQS refuses in a body or a String attribute value. */
export const INVALID_CHARACTER = new RegExp(INVALID, 'u');
const INVALID_CHARACTERS = new RegExp(INVALID, 'gu');

/** The attribute data type skytask sends. */
const STRING_TYPE = 'String';

/** UTF-8 bytes SQS counts for a message: the body, and each attribute's name, type and value. */
export function messageBytes(body: string, attributes: Record<string, string> = {}): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) bytes += attributeBytes(name, value);
  return bytes;
}

const attributeBytes = (name: string, value: string) =>
  Buffer.byteLength(name, 'utf8') + Buffer.byteLength(STRING_TYPE, 'utf8') + Buffer.byteLength(value, 'utf8');

/**
 * `text` as SQS accepts it in a String attribute value: each refused character (control
 * characters, lone surrogates, U+FFFE, U+FFFF) replaced by U+FFFD, then cut to `maxBytes`
 * UTF-8 bytes ("…" marks a cut). Characters beyond the BMP are kept: SQS accepts them.
 * Empty when nothing fits (SQS refuses an empty value: leave the attribute out).
 */
export function attributeValue(text: string, maxBytes = ATTRIBUTE_VALUE_BYTES): string {
  // One more UTF-16 unit than bytes allowed: enough to see that a cut is needed, and the
  // replacement never runs over a megabyte of outside text.
  const head = text.length > maxBytes ? text.slice(0, maxBytes + 1) : text;
  return cutUtf8(head.replace(INVALID_CHARACTERS, '\uFFFD'), maxBytes);
}

/**
 * The String attributes to send with `body`, by name: each value through `attributeValue`,
 * and cut further so that body and attributes stay within SQS's message size. An attribute
 * with no room left, or empty, is left out: the message itself must go through.
 *
 * @example sqsAttributes('{"v":2}', { reason: 'unknown job "a\u0000b"' }) // { reason: 'unknown job "a\uFFFDb"' }
 */
export function sqsAttributes(body: string, values: Record<string, string>): Record<string, string> {
  let room = MAX_MESSAGE_BYTES - Buffer.byteLength(body, 'utf8');
  const attributes: Record<string, string> = {};
  for (const [name, text] of Object.entries(values)) {
    const fixed = attributeBytes(name, '');
    const value = attributeValue(text, Math.min(ATTRIBUTE_VALUE_BYTES, room - fixed));
    if (!value) continue;
    attributes[name] = value;
    room -= fixed + Buffer.byteLength(value, 'utf8');
  }
  return attributes;
}
