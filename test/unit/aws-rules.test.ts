/** AWS's rules (lib/aws-rules/), as pure functions: sizes counted as AWS counts them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDecimal } from '../../lib/aws-rules/decimal.js';
import {
  base64Bytes,
  batchRefusal,
  indexKeyRefusal,
  itemBytes,
  nestingRefusal,
  numberBytes,
  type TableShape,
} from '../../lib/aws-rules/dynamodb.js';
import { environmentBytes, LAMBDA_LIMITS } from '../../lib/aws-rules/lambda.js';
import { entryRefusals, requestRefusal } from '../../lib/aws-rules/sqs-requests.js';
import { INVALID_CHARACTER, messageBytes, messageRefusal } from '../../lib/aws-rules/sqs.js';

describe('parseDecimal', () => {
  it('reads significant digits and the power of ten of the first one', () => {
    assert.deepEqual(parseDecimal('1230'), { negative: false, digits: '123', exponent: 3 });
    assert.deepEqual(parseDecimal('-0.05'), { negative: true, digits: '5', exponent: -2 });
    assert.deepEqual(parseDecimal('.5e3'), { negative: false, digits: '5', exponent: 2 });
    assert.deepEqual(parseDecimal('9.9E+125'), { negative: false, digits: '99', exponent: 125 });
    assert.equal(parseDecimal('0.000')?.digits, '');
    for (const bad of ['', '.', 'e5', '1e', 'abc', '1.2.3']) assert.equal(parseDecimal(bad), undefined, bad);
  });
});

describe('DynamoDB item size', () => {
  it('counts names and strings in UTF-8 bytes, binary in raw bytes', () => {
    assert.equal(itemBytes({ pk: { S: 'a' } }), 3);
    assert.equal(itemBytes({ '€': { S: '😀' } }), 3 + 4);
    assert.equal(itemBytes({ b: { B: Buffer.from([1, 2, 3, 4]).toString('base64') } }), 1 + 4);
    assert.equal(base64Bytes(Buffer.alloc(5).toString('base64')), 5);
  });

  it('counts numbers by significant digits, as DynamoDB stores them', () => {
    assert.equal(numberBytes('0'), 1);
    assert.equal(numberBytes('1'), 2);
    assert.equal(numberBytes('12'), 2); // 12 fills one base-100 digit
    assert.equal(numberBytes('1.2'), 3); // 1.2 spans two: 01 | 20
    assert.equal(numberBytes('123'), 3);
    assert.equal(numberBytes('1230000'), numberBytes('123'));
    assert.equal(numberBytes('-123'), 4);
    assert.equal(numberBytes('1'.repeat(38)), 20);
  });

  it('adds 3 bytes per List or Map and 1 per element, BOOL and NULL are 1', () => {
    assert.equal(itemBytes({ l: { L: [{ S: 'ab' }, { BOOL: true }] } }), 1 + 3 + (1 + 2) + (1 + 1));
    assert.equal(itemBytes({ m: { M: { k: { NULL: true } } } }), 1 + 3 + 1 + (1 + 1));
    assert.equal(itemBytes({ s: { SS: ['a', '€'] } }), 1 + 4);
  });
});

describe('DynamoDB index keys and nesting', () => {
  const table: TableShape = {
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [],
    GlobalSecondaryIndexes: [
      { IndexName: 'zz', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }] },
      { IndexName: 'aa', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }] },
    ],
  };

  it('names the alphabetically first index, and leaves unchanged keys of an update alone', () => {
    assert.match(indexKeyRefusal({ g: { S: '' } }, table) ?? '', /IndexName: aa, IndexKey: g/);
    assert.equal(indexKeyRefusal({ g: { S: '' } }, table, { g: { S: '' } }, true), undefined);
    assert.match(indexKeyRefusal({ g: { S: '' } }, table, {}, true) ?? '', /update expression/);
    assert.equal(indexKeyRefusal({ pk: { S: 'x' } }, table), undefined);
  });

  it('allows 32 levels, the attribute being the first', () => {
    const nest = (n: number) => {
      let v: any = { S: 'x' };
      for (let i = 0; i < n; i++) v = { L: [v] };
      return v;
    };
    assert.equal(nestingRefusal([nest(31)]), undefined);
    assert.match(nestingRefusal([nest(32)]) ?? '', /Nesting Levels/);
  });

  it('counts batch requests over all tables', () => {
    const write = { RequestItems: { a: new Array(20).fill({}), b: new Array(5).fill({}) } };
    assert.equal(batchRefusal('BatchWriteItem', write), undefined);
    write.RequestItems.b.push({});
    assert.match(batchRefusal('BatchWriteItem', write) ?? '', /Too many items/);
  });
});

describe('SQS characters and sizes', () => {
  it("is W3C XML's Char: non-BMP allowed, lone surrogates and U+FFFE/FFFF refused", () => {
    assert.equal(INVALID_CHARACTER.test('\t\n\r 😀\u{10FFFF}\uFFFD'), false);
    for (const c of ['\u0000', '\u000B', '\uD800', '\uDC00', '\uFFFE', '\uFFFF']) assert.ok(INVALID_CHARACTER.test(c));
  });

  it('counts body, attribute names, types and values in bytes, binary decoded', () => {
    assert.equal(messageBytes('€', { n: { DataType: 'String', StringValue: 'é' } }), 3 + 1 + 6 + 2);
    assert.equal(
      messageBytes('', { b: { DataType: 'Binary', BinaryValue: Buffer.alloc(6).toString('base64') } }),
      1 + 6 + 6,
    );
  });

  it('refuses attribute names SQS reserves, at any case', () => {
    const attr = (name: string) =>
      messageRefusal({ MessageBody: 'x', MessageAttributes: { [name]: { DataType: 'String', StringValue: 'v' } } });
    for (const name of ['AWS.a', 'aws.a', 'Amazon.a', 'AMAZON.a'])
      assert.equal(attr(name)?.code, 'InvalidParameterValue', name);
    assert.equal(attr('awsx.a'), undefined);
  });

  it('checks Number attribute values: 38 digits, 10^-128 to 10^+126', () => {
    const num = (v: string) =>
      messageRefusal({ MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: v } } });
    for (const ok of ['0', '-1.5', '1e126', '1e-128', '1'.repeat(38), `${'1'.repeat(38)}000`])
      assert.equal(num(ok), undefined, ok);
    for (const bad of ['1e127', '1e-129', '1'.repeat(39), 'x', '']) assert.ok(num(bad), bad);
  });
});

describe('SQS requests', () => {
  it('refuses a whole batch for its shape, and lists refused entries of a valid one', () => {
    assert.equal(requestRefusal('DeleteMessageBatch', { Entries: [] })?.code, 'EmptyBatchRequest');
    assert.equal(
      requestRefusal('SendMessageBatch', { Entries: [{ Id: 'x'.repeat(81), MessageBody: 'a' }] })?.code,
      'InvalidBatchEntryId',
    );
    const body = {
      Entries: [
        { Id: 'a', MessageBody: 'ok' },
        { Id: 'b', MessageBody: '\u0000' },
      ],
    };
    assert.equal(requestRefusal('SendMessageBatch', body), undefined);
    assert.deepEqual(
      entryRefusals('SendMessageBatch', body).map((e) => [e.Id, e.Code]),
      [['b', 'InvalidMessageContents']],
    );
  });

  it('checks queue attributes and the redrive policy', () => {
    const set = (Attributes: Record<string, string>) => requestRefusal('SetQueueAttributes', { Attributes });
    assert.equal(set({ DelaySeconds: '900', MessageRetentionPeriod: '60' }), undefined);
    assert.equal(set({ DelaySeconds: '901' })?.code, 'InvalidAttributeValue');
    assert.equal(
      set({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn', maxReceiveCount: 1001 }) })?.code,
      'InvalidParameterValue',
    );
  });
});

describe('Lambda environment size', () => {
  it('counts the variables as Lambda measures them: their compact JSON object, in UTF-8 bytes', () => {
    assert.equal(environmentBytes({}), 2);
    assert.equal(environmentBytes({ A: 'b' }), '{"A":"b"}'.length);
    // A quote in a value is escaped in the measured JSON: 2 bytes; é is 2 bytes in UTF-8.
    assert.equal(environmentBytes({ KEY: '"é"' }), '{"KEY":"\\"é\\""}'.length + 1);
    assert.equal(LAMBDA_LIMITS.environmentBytes, 4096);
  });
});
