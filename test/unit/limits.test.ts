/** Limits counted as AWS counts them: UTF-8 bytes, DynamoDB's item size (issue 11, item 5). */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { COST_ATTR, costText, toItems } from '../../lib/task-items.js';
import { failItem, failureOf } from '../../lib/task-side-items.js';
import { historyOf } from '../../lib/consumer/outcome.js';
import { itemBytes, LIMITS, truncateBytes } from '../../lib/limits.js';
import type { Task } from '../../lib/task.js';

/** dynalite's own item size (it counts a string's characters, not its bytes): a cross-check on ASCII items. */
const dynaliteItemSize: (item: Record<string, unknown>) => number = createRequire(import.meta.url)(
  'dynalite/db/index.js',
).itemSize;
const bytes = (s: string) => Buffer.byteLength(s);

describe('limits', () => {
  it('truncateBytes cuts to UTF-8 bytes, or to the bytes of a JSON string literal, between characters', () => {
    assert.equal(truncateBytes('short', 10), 'short');
    const euros = truncateBytes('€'.repeat(100), 50);
    assert.ok(bytes(euros) <= 50);
    assert.match(euros, /^€+… \[truncated\]$/);
    const emoji = truncateBytes('😀'.repeat(100), 51);
    assert.ok(bytes(emoji) <= 51 && !emoji.includes('\ufffd'), 'no half of a surrogate pair');
    const control = truncateBytes('\u0001'.repeat(1000), 100, true);
    assert.ok(bytes(JSON.stringify(control)) - 2 <= 100, 'a control character is 6 bytes in JSON');
    assert.equal(truncateBytes('"\\'.repeat(10), 40, true), '"\\'.repeat(10), 'quote and backslash: 2 bytes each');
  });

  it('itemBytes: names plus values, strings in UTF-8 bytes, numbers as DynamoDB sizes them', () => {
    assert.equal(itemBytes({ a: '€', b: true, c: null, d: undefined }), 1 + 3 + 1 + 1 + 1 + 1);
    const ascii = { pk: 'task#x', n1: 1796023393.843, n2: -7, n3: 0, n4: 12, n5: 100, n6: 1e-7, ok: true };
    const marshalled = Object.fromEntries(
      Object.entries(ascii).map(([k, v]) => [
        k,
        typeof v === 'number' ? { N: String(v) } : typeof v === 'string' ? { S: v } : { BOOL: v },
      ]),
    );
    assert.equal(itemBytes(ascii), dynaliteItemSize(marshalled));
  });

  it('the worst-case head, body and fail item, every field at its cap, fit DynamoDB’s 400 KB: the finish write cannot fail on size', () => {
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
      result: 'r'.repeat(LIMITS.resultBytes - 2),
      error: truncateBytes('€'.repeat(LIMITS.errorBytes), LIMITS.errorBytes),
      stack: truncateBytes('€'.repeat(LIMITS.stackBytes), LIMITS.stackBytes),
      errors,
      timeQueued: time,
      eta: time,
      timeStarted: time,
      timeEnded: time,
      expiry: time,
      leaseUntil: time,
      attempts: 11,
      fromTask: 'p'.repeat(LIMITS.partitionKeyBytes),
      lockId: 'f'.repeat(40),
      caller: 'c'.repeat(LIMITS.callerBytes),
      worker: 'w'.repeat(LIMITS.workerBytes),
      revokeRequested: true,
      deadLettered: true,
      sendError: truncateBytes('€'.repeat(LIMITS.sendErrorBytes), LIMITS.sendErrorBytes),
      resends: 99,
    };
    const full = { writeUnits: 999, sqsRequests: 99.123456, lambdaRequests: 9.123456, heartbeats: 999 };
    const costs = { [COST_ATTR]: costText({ ...full, lambdaMs: 9_999_999, gbSeconds: 999.123456 }) };
    const { head, body } = toItems(task, 'r'.repeat(12), { ttl: Math.ceil(time), ...costs });
    assert.ok(body, 'kwargs of 100 KB live in a body');
    // A RETRY's fail item: the same error, stack and history.
    const fail = failItem(id, 'r'.repeat(12), failureOf(task), Math.ceil(time));
    for (const [what, item] of [
      ['head', head],
      ['body', { ...body, ttl: Math.ceil(time) }],
      ['fail item', fail],
    ] as const) {
      const size = itemBytes(item);
      assert.ok(size <= LIMITS.itemBytes, `${what}: ${size} bytes, over ${LIMITS.itemBytes}`);
      assert.ok(LIMITS.itemBytes - size > 4096, `${what}: headroom ${LIMITS.itemBytes - size} bytes`);
    }
  });

  it('a running head stays within 1 KB with the progress room kept: claim and heartbeats cost 1 write unit', () => {
    // UUID ids (the task's and its parent's), a 32-character job name, every other field a
    // running head can hold at its longest, but a send error (a note cleared by the next send).
    const time = 1_796_023_393.1234567;
    const uuid = '0'.repeat(36);
    const task: Task = {
      id: uuid,
      name: 'n'.repeat(32),
      status: 'STARTED',
      kwargs: {},
      timeQueued: time,
      eta: time,
      expiry: time,
      timeStarted: time,
      leaseUntil: time,
      attempts: 99,
      fromTask: uuid,
      lockId: 'f'.repeat(40),
      worker: 'w'.repeat(LIMITS.workerBytes),
      revokeRequested: true,
      resends: 99,
    };
    const costs = { [COST_ATTR]: costText({ writeUnits: 99, sqsRequests: 0.1 }) };
    const { head } = toItems(task, 'r'.repeat(12), costs);
    const size = itemBytes(head);
    assert.ok(size + LIMITS.progressBytes <= LIMITS.headBytes, `${size} bytes + ${LIMITS.progressBytes} for progress`);
  });
  it('the worst running head — 128-character id, job name and parent, every field, progress and outbox at their caps — stays within 2 KB: a claim or heartbeat costs at most 2 write units', () => {
    // What a head can hold while its task runs (kwargs in its body), each at its longest.
    const time = 1_796_023_393.1234567;
    const running = (id: number, name: number, parent: number): Task => ({
      id: 'i'.repeat(id),
      name: 'n'.repeat(name),
      status: 'STARTED',
      kwargs: { k: 'k'.repeat(LIMITS.headBytes) },
      timeQueued: time,
      eta: time,
      expiry: time,
      timeStarted: time,
      leaseUntil: time,
      attempts: 99,
      fromTask: parent ? 'p'.repeat(parent) : undefined,
      lockId: 'f'.repeat(40),
      worker: 'w'.repeat(LIMITS.workerBytes),
      traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
      priority: 'high',
      revokeRequested: true,
      resends: 99,
    });
    const costs = { [COST_ATTR]: costText({ writeUnits: 999, sqsRequests: 99.123456 }) };
    const sized = (task: Task) => {
      const { head, body } = toItems(task, 'r'.repeat(12), costs);
      assert.ok(body, 'kwargs over the head budget live in a body');
      return itemBytes(head) + LIMITS.progressBytes + LIMITS.outboxBytes;
    };
    const worst = sized(running(128, 128, 128));
    assert.ok(worst <= 2 * LIMITS.headBytes, `${worst} bytes`);
    // Not 1 KB (1,531 bytes): 128-character keys alone take ~570 bytes of the head; UUID ids
    // and a 32-character name with every field give 1,159 (docs/storage.md, "The head and the body").
    assert.ok(sized(running(36, 32, 36)) <= 2 * LIMITS.headBytes);
  });
});
