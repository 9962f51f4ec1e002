/** Bounded echoes of outside input (lib/echo.ts) and the attributes skytask sends to SQS (lib/sqs-message.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_CHARACTER, messageBytes, messageRefusal, SQS_LIMITS } from '../../lib/aws-rules/sqs.js';
import { echo } from '../../lib/echo.js';
import { createMemoryQueue } from '../../lib/memory/memory-queue.js';
import { ATTRIBUTE_VALUE_BYTES, attributeValue, sqsAttributes } from '../../lib/sqs-message.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('echo', () => {
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
    const body = 'x'.repeat(SQS_LIMITS.messageBytes - 100);
    const attributes = sqsAttributes(body, { reason: 'r'.repeat(5000) });
    assert.ok(attributes.reason.StringValue.length > 0);
    assert.equal(attributes.reason.DataType, 'String');
    assert.equal(messageBytes(body, attributes) <= SQS_LIMITS.messageBytes, true);
    assert.equal(messageRefusal({ MessageBody: body, MessageAttributes: attributes }), undefined, "SQS's rules");
    assert.deepEqual(sqsAttributes('x'.repeat(SQS_LIMITS.messageBytes - 5), { reason: 'why' }), {});
    assert.deepEqual(sqsAttributes('{}', { reason: '' }), {}, 'SQS refuses an empty value');
  });

  it('the memory queue dead-letters with the same rules', async () => {
    const queue = createMemoryQueue();
    await queue.deadLetter('x'.repeat(SQS_LIMITS.messageBytes - 10), 'a reason that does not fit');
    await queue.deadLetter('{}', 'job "\u0000"');
    const [big, small] = queue.peekDeadLetters();
    assert.equal(big.reason, undefined);
    assert.equal(small.reason, 'job "\uFFFD"');
  });
});
