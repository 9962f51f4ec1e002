/** Limits counted as AWS counts them: UTF-8 bytes, DynamoDB's item size (issue 11, item 5). */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { toItem } from '../../lib/aws/dynamo/item.js';
import { historyOf } from '../../lib/consumer/outcome.js';
import { documentItemBytes, itemBytes } from '../../lib/aws-rules/dynamodb.js';
import { cutBytes } from '../../lib/bytes.js';
import { LIMITS, TRUNCATED } from '../../lib/limits.js';
import type { Task } from '../../lib/task.js';

/** dynalite's own item size (it counts a string's characters, not its bytes): a cross-check on ASCII items. */
const dynaliteItemSize: (item: Record<string, unknown>) => number = createRequire(import.meta.url)(
  'dynalite/db/index.js',
).itemSize;
const bytes = (s: string) => Buffer.byteLength(s);

describe('limits', () => {
  it('documentItemBytes: names plus values, strings in UTF-8 bytes, numbers as DynamoDB sizes them', () => {
    assert.equal(documentItemBytes({ a: '€', b: true, c: null, d: undefined }), 1 + 3 + 1 + 1 + 1 + 1);
    const ascii = { pk: 'task#x', n1: 1796023393.843, n2: -7, n3: 0, n4: 12, n5: 100, n6: 1e-7, ok: true };
    const marshalled = Object.fromEntries(
      Object.entries(ascii).map(([k, v]) => [
        k,
        typeof v === 'number' ? { N: String(v) } : typeof v === 'string' ? { S: v } : { BOOL: v },
      ]),
    );
    assert.equal(documentItemBytes(ascii), dynaliteItemSize(marshalled));
    assert.equal(documentItemBytes(ascii), itemBytes(marshalled), 'plain values and their wire form: one count');
  });

  it('documentItemBytes sizes any number as dynalite does', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 2000; i++) {
      const n = (random() < 0.5 ? -1 : 1) * random() * 10 ** Math.floor(random() * 40 - 20);
      const rounded = random() < 0.3 ? Math.round(n) : n;
      assert.equal(documentItemBytes({ n: rounded }), dynaliteItemSize({ n: { N: String(rounded) } }), String(rounded));
    }
  });

  it('the worst-case task item, every field at its cap, fits DynamoDB’s 400 KB: the finish write cannot fail on size', () => {
    const time = 1_796_023_393.843;
    const id = 'i'.repeat(128); // the id pattern's longest, ASCII
    const kwargs = { k: 'k'.repeat(LIMITS.kwargsBytes - 8) };
    assert.equal(bytes(JSON.stringify(kwargs)), LIMITS.kwargsBytes);
    // Every attempt threw 20,000 control characters: 6 bytes each in the history's JSON.
    const thrown = '\u0001'.repeat(20_000);
    const errors = historyOf(
      Array.from({ length: 12 }, (_, n) => ({ attempt: n + 1, error: thrown, time })),
      undefined,
    );
    const task: Task = {
      id,
      name: 'n'.repeat(128),
      status: 'SUCCESS',
      kwargs,
      timeQueued: time,
      eta: time,
      expiry: time,
      attempts: 11,
      fromTask: 'p'.repeat(LIMITS.partitionKeyBytes),
      lockId: 'f'.repeat(40),
      caller: 'c'.repeat(LIMITS.callerBytes),
    };
    const item = {
      ...toItem(task),
      result: 'r'.repeat(LIMITS.resultBytes),
      error: cutBytes('€'.repeat(LIMITS.errorBytes), LIMITS.errorBytes, { mark: TRUNCATED }),
      stack: cutBytes('€'.repeat(LIMITS.stackBytes), LIMITS.stackBytes, { mark: TRUNCATED }),
      errors: JSON.stringify(errors),
      time_started: time,
      time_ended: time,
      lease_until: time,
      worker: 'w'.repeat(256), // a Lambda log stream name or host:pid
      ttl: Math.ceil(time),
      revoke_requested: true,
      dead_lettered: true,
      send_error: cutBytes('€'.repeat(LIMITS.errorBytes), LIMITS.errorBytes, { mark: TRUNCATED }),
      resends: 99,
    };
    const size = documentItemBytes(item);
    assert.ok(size <= LIMITS.itemBytes, `${size} bytes, over ${LIMITS.itemBytes}`);
    assert.ok(LIMITS.itemBytes - size > 4096, `headroom ${LIMITS.itemBytes - size} bytes`);
  });
});
