/** Bounded echoes of outside input (lib/echo.ts) and SQS's attribute rules (lib/sqs-message.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutUtf8, echo } from '../../lib/echo.js';
import { createMemoryQueue } from '../../lib/memory/memory-queue.js';
import {
  ATTRIBUTE_VALUE_BYTES,
  attributeValue,
  INVALID_CHARACTER,
  MAX_MESSAGE_BYTES,
  messageBytes,
  sqsAttributes,
} from '../../lib/sqs-message.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('cutUtf8 and echo', () => {
  it('cuts by UTF-8 bytes on a code point boundary, marking the cut', () => {
    assert.equal(cutUtf8('héllo', 10), 'héllo');
    assert.equal(cutUtf8('héllo', 4), 'h…');
    assert.equal(cutUtf8('a😀b', 6), 'a😀b');
    assert.equal(cutUtf8('a😀bc', 6), 'a…', 'never half a surrogate pair');
    assert.equal(cutUtf8('abc', 2), '');
    for (const max of [3, 10, 200, 1024]) assert.ok(bytes(cutUtf8('é😀x'.repeat(1000), max)) <= max);
  });

  it('describes any value without walking it', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(echo(deep), 'an array');
    assert.equal(echo({ a: 1 }), 'an object');
    assert.equal(echo(2), '2');
    assert.equal(echo(undefined), 'undefined');
    assert.equal(echo('v2'), '"v2"');
    assert.ok(bytes(echo('\u0000'.repeat(1e6))) <= 200);
  });
});

describe('SQS attribute values', () => {
  it('replace what SQS refuses, keep what it accepts (beyond the BMP too), cap by bytes', () => {
    assert.equal(attributeValue('a\u0000b\ud800c\uffffd\u0009'), 'a\uFFFDb\uFFFDc\uFFFDd\u0009');
    assert.equal(attributeValue('emoji 😀'), 'emoji 😀');
    const long = attributeValue('é'.repeat(5000));
    assert.ok(bytes(long) <= ATTRIBUTE_VALUE_BYTES && long.endsWith('…'));
    assert.ok(!INVALID_CHARACTER.test(attributeValue('\u0001'.repeat(5000))));
  });

  it('fit beside the body in 1 MiB, or are left out', () => {
    const body = 'x'.repeat(MAX_MESSAGE_BYTES - 100);
    const attributes = sqsAttributes(body, { reason: 'r'.repeat(5000) });
    assert.ok(attributes.reason.length > 0);
    assert.equal(messageBytes(body, attributes) <= MAX_MESSAGE_BYTES, true);
    assert.deepEqual(sqsAttributes('x'.repeat(MAX_MESSAGE_BYTES - 5), { reason: 'why' }), {});
    assert.deepEqual(sqsAttributes('{}', { reason: '' }), {}, 'SQS refuses an empty value');
  });

  it('the memory queue dead-letters with the same rules', async () => {
    const queue = createMemoryQueue();
    await queue.deadLetter('x'.repeat(MAX_MESSAGE_BYTES - 10), 'a reason that does not fit');
    await queue.deadLetter('{}', 'job "\u0000"');
    const [big, small] = queue.peekDeadLetters();
    assert.equal(big.reason, undefined);
    assert.equal(small.reason, 'job "\uFFFD"');
  });
});
