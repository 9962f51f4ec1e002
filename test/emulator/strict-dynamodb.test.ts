/**
 * The strict DynamoDB emulator (local/strict/): through the AWS SDK against startEmulators(),
 * each of DynamoDB's limits refuses at the limit + 1 with DynamoDB's ValidationException and
 * accepts at the limit. Strings of 3-byte characters ('€') show bytes are counted, not
 * characters: dynalite alone accepts 683 '€' (2,049 bytes) as a partition key.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createClients } from '../../lib/index.js';
import { emulators } from '../helpers.js';

const EURO = '€'; // 3 UTF-8 bytes
/** A string of exactly `bytes` UTF-8 bytes, mostly 3-byte characters. */
const ofBytes = (bytes: number) => EURO.repeat(Math.floor(bytes / 3)) + 'a'.repeat(bytes % 3);

let db: DynamoDBClient;
const table = `strict-${randomUUID().slice(0, 8)}`; // pk (S) + sk (S), GSI gk (S) + gs (S)
const flat = `${table}-flat`; // pk (S) only

const refused = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(promise, (err: any) => {
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, message);
    return true;
  });
const HASH = /Size of hashkey has exceeded the maximum size limit of2048 bytes/;
const RANGE = /Aggregated size of all range keys has exceeded the size limit of 1024 bytes/;
const put = (item: Record<string, any>, tableName = table) =>
  db.send(new PutItemCommand({ TableName: tableName, Item: item }));
const S = (s: string) => ({ S: s });

before(async () => {
  db = createClients(await emulators()).dynamodb;
  const attr = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  await db.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'gk', 'gs'].map(attr),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by_gk',
          KeySchema: [
            { AttributeName: 'gk', KeyType: 'HASH' },
            { AttributeName: 'gs', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
  await db.send(
    new CreateTableCommand({
      TableName: flat,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [attr('pk')],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
});
after(() => db.destroy());

describe('strict DynamoDB: key sizes in UTF-8 bytes', () => {
  it('accepts a 2,048-byte partition key and refuses 2,049 bytes (683 characters) on every path', async () => {
    const ok = ofBytes(2048);
    await put({ pk: S(ok), sk: S('a') });
    await db.send(new GetItemCommand({ TableName: table, Key: { pk: S(ok), sk: S('a') } }));
    const big = EURO.repeat(683);
    const key = { pk: S(big), sk: S('a') };
    await refused(put(key), HASH);
    await refused(db.send(new GetItemCommand({ TableName: table, Key: key })), HASH);
    await refused(db.send(new DeleteItemCommand({ TableName: table, Key: key })), HASH);
    await refused(
      db.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET x = :x',
          ExpressionAttributeValues: { ':x': S('1') },
        }),
      ),
      HASH,
    );
    await refused(
      db.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: key } }] } })),
      HASH,
    );
    await refused(db.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key] } } })), HASH);
  });

  it('accepts a 1,024-byte sort key and refuses 1,025 bytes', async () => {
    await put({ pk: S('sort'), sk: S(ofBytes(1024)) });
    await refused(put({ pk: S('sort'), sk: S(ofBytes(1025)) }), RANGE);
    await refused(
      db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('sort') },
          ExclusiveStartKey: { pk: S('sort'), sk: S(ofBytes(1025)) },
        }),
      ),
      RANGE,
    );
  });

  it('refuses an empty key value', async () => {
    await refused(put({ pk: S(''), sk: S('a') }), /cannot contain an empty string value/);
  });

  it('checks the index keys a PutItem writes: bytes, and no empty string', async () => {
    await put({ pk: S('g1'), sk: S('a'), gk: S(ofBytes(2048)), gs: S(ofBytes(1024)) });
    await refused(put({ pk: S('g2'), sk: S('a'), gk: S(ofBytes(2049)) }), HASH);
    await refused(put({ pk: S('g2'), sk: S('a'), gk: S('x'), gs: S(ofBytes(1025)) }), RANGE);
    await refused(
      put({ pk: S('g2'), sk: S('a'), gk: S('') }),
      /secondary index key is not supported.*IndexName: by_gk, IndexKey: gk/,
    );
  });

  it('checks the index keys an UpdateItem writes', async () => {
    const Key = { pk: S('g3'), sk: S('a') };
    const set = (value: string) =>
      db.send(
        new UpdateItemCommand({
          TableName: table,
          Key,
          UpdateExpression: 'SET gk = :v',
          ExpressionAttributeValues: { ':v': S(value) },
        }),
      );
    await set(ofBytes(2048));
    await refused(set(ofBytes(2049)), HASH);
    await refused(set(''), /update expression attempted to update a secondary index key/);
    await db.send(
      new UpdateItemCommand({
        TableName: table,
        Key,
        UpdateExpression: 'SET note = :v',
        ExpressionAttributeValues: { ':v': S('x') },
      }),
    );
  });
});

describe('strict DynamoDB: item size as DynamoDB counts it', () => {
  // pk (2 + 1) + 'v' (1) + value: 409,600 bytes in all is DynamoDB's 400 KB.
  const VALUE_AT_LIMIT = 400 * 1024 - 4;

  it('accepts a PutItem of exactly 400 KB in bytes and refuses one byte more', async () => {
    await put({ pk: S('a'), v: S(ofBytes(VALUE_AT_LIMIT)) }, flat);
    await refused(
      put({ pk: S('b'), v: S(ofBytes(VALUE_AT_LIMIT + 1)) }, flat),
      /Item size has exceeded the maximum allowed size/,
    );
    // 140,000 characters, 420,000 bytes: dynalite alone counted 140,006 and let it in.
    await refused(put({ pk: S('c'), v: S(EURO.repeat(140_000)) }, flat), /Item size has exceeded/);
  });

  it('counts attribute names in bytes', async () => {
    const name = EURO.repeat(10); // 30 bytes
    await put({ pk: S('n'), [name]: S(ofBytes(400 * 1024 - 3 - 30)) }, flat);
    await refused(put({ pk: S('n'), [name]: S(ofBytes(400 * 1024 - 3 - 30 + 1)) }, flat), /Item size has exceeded/);
  });

  it('refuses an UpdateItem whose resulting item is over 400 KB', async () => {
    const Key = { pk: S('u') };
    await put({ pk: S('u'), v: S(ofBytes(200_000)) }, flat);
    const setW = (bytes: number) =>
      db.send(
        new UpdateItemCommand({
          TableName: flat,
          Key,
          UpdateExpression: 'SET w = :w',
          ExpressionAttributeValues: { ':w': S(ofBytes(bytes)) },
        }),
      );
    // Item after: pk 3 + v 1 + 200,000 + w 1 + the new value.
    await refused(setW(400 * 1024 - 200_005 + 1), /Item size to update has exceeded the maximum allowed size/);
    await setW(400 * 1024 - 200_005 - 100);
  });
});

describe('strict DynamoDB: numbers', () => {
  const putN = (n: string) => put({ pk: S(`n-${n}`), n: { N: n } }, flat);
  it('accepts 38 significant digits and refuses 39', async () => {
    await putN('1'.repeat(38));
    await refused(putN('1'.repeat(39)), /38 significant digits/);
  });
  it('accepts magnitudes from 1E-130 to 9.99…E+125 and refuses beyond', async () => {
    await putN('9.9999999999999999999999999999999999999E+125');
    await putN('1E-130');
    await refused(putN('1E+126'), /Number overflow/);
    await refused(putN('1E-131'), /Number underflow/);
    await refused(
      db.send(
        new UpdateItemCommand({
          TableName: flat,
          Key: { pk: S('n') },
          UpdateExpression: 'SET eta = :e',
          ExpressionAttributeValues: { ':e': { N: '1e-131' } },
        }),
      ),
      /Number underflow/,
    );
  });
});

describe('strict DynamoDB: batches', () => {
  const puts = (tableName: string, n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: S(`${prefix}${i}`), sk: S('a') } } })).map((r) =>
      tableName === flat ? { PutRequest: { Item: { pk: r.PutRequest.Item.pk } } } : r,
    );
  const write = (items: Record<string, any[]>) => db.send(new BatchWriteItemCommand({ RequestItems: items }));
  const keys = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ pk: S(`${prefix}${i}`) }));
  const read = (items: Record<string, any>) => db.send(new BatchGetItemCommand({ RequestItems: items }));

  it('BatchWriteItem: accepts 25 requests and refuses 26, counted over all tables', async () => {
    await write({ [flat]: puts(flat, 25, 'bw') });
    await refused(write({ [flat]: puts(flat, 26, 'bw') }), /25/);
    await refused(
      write({ [flat]: puts(flat, 13, 'bx'), [table]: puts(table, 13, 'bx') }),
      /Too many items requested for the BatchWriteItem call/,
    );
  });

  it('BatchGetItem: accepts 100 keys and refuses 101, counted over all tables', async () => {
    await read({ [flat]: { Keys: keys(100, 'bg') } });
    await refused(read({ [flat]: { Keys: keys(101, 'bg') } }), /100/);
    const both = {
      [flat]: { Keys: keys(51, 'bg') },
      [table]: { Keys: keys(50, 'bg').map((k) => ({ ...k, sk: S('a') })) },
    };
    await refused(read(both), /Too many items requested for the BatchGetItem call/);
  });
});

describe('strict DynamoDB: nesting and expressions', () => {
  const nested = (levels: number) => {
    let value: any = S('leaf');
    for (let i = 0; i < levels; i++) value = { M: { m: value } };
    return value;
  };

  it('accepts 31 nested maps under an attribute (32 levels) and refuses 32, in items and in values', async () => {
    await put({ pk: S('deep'), d: nested(31) }, flat);
    const NESTING = /Nesting Levels have exceeded supported limits/;
    await refused(put({ pk: S('deep'), d: nested(32) }, flat), NESTING);
    await refused(
      db.send(
        new UpdateItemCommand({
          TableName: flat,
          Key: { pk: S('deep') },
          UpdateExpression: 'SET d = :d',
          ExpressionAttributeValues: { ':d': nested(32) },
        }),
      ),
      NESTING,
    );
  });

  it('accepts a 4,096-byte expression and refuses 4,097 bytes', async () => {
    const update = (bytes: number) => {
      const expression = 'SET x = :x';
      return db.send(
        new UpdateItemCommand({
          TableName: flat,
          Key: { pk: S('expr') },
          UpdateExpression: expression + ' '.repeat(bytes - expression.length),
          ExpressionAttributeValues: { ':x': S('1') },
        }),
      );
    };
    await update(4096);
    await refused(update(4097), /Expression size has exceeded the maximum allowed size/);
  });
});

describe('strict DynamoDB: refusals are loud', () => {
  it('writes one line on stderr naming the operation and the rule', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: any) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await refused(put({ pk: S(EURO.repeat(683)), sk: S('a') }), HASH);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^\[skytask strict\] DynamoDB PutItem refused as AWS would: ValidationException: .*hashkey.*2048 bytes\n$/,
    );
  });
});
