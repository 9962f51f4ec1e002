/** Limits counted as AWS counts them: UTF-8 bytes, DynamoDB's item size (issue 11, item 5). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { PROGRESS_ATTR, progressText } from '../../lib/progress.js';
import { COST_ATTR, costText, headWriteUnits, type Item, toItems } from '../../lib/task-items.js';
import { FAIL_ATTR, failItem, failureOf } from '../../lib/task-side-items.js';
import { historyOf } from '../../lib/consumer/outcome.js';
import { itemBytes, LIMITS, truncateBytes } from '../../lib/limits.js';
import type { Task } from '../../lib/task.js';

/** dynalite's own item size (it counts a string's characters, not its bytes): a cross-check on ASCII items. */
const dynaliteItemSize: (item: Record<string, unknown>) => number = createRequire(import.meta.url)(
  'dynalite/db/index.js',
).itemSize;
const bytes = (s: string) => Buffer.byteLength(s);

const TIME = 1_796_023_393.1234567;
const UUID = '0'.repeat(36);
const TRACE = `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`;
/**
 * A running task with every field its head holds at its longest — UUID ids (the task's and its
 * parent's), a 32-character job name, a lock, the longest worker name, a revoke request, a
 * re-send count — but a trace, a priority and a send error; `given` changes or adds fields.
 */
const runningTask = (given: Partial<Task> = {}): Task => ({
  id: UUID,
  name: 'n'.repeat(32),
  status: 'STARTED',
  kwargs: {},
  timeQueued: TIME,
  eta: TIME,
  expiry: TIME,
  timeStarted: TIME,
  leaseUntil: TIME,
  attempts: 99,
  fromTask: UUID,
  lockId: 'f'.repeat(40),
  worker: 'w'.repeat(LIMITS.workerBytes),
  revokeRequested: true,
  resends: 99,
  ...given,
});

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
    // No trace, priority or send error (a note cleared by the next send).
    const task = runningTask();
    const costs = { [COST_ATTR]: costText({ writeUnits: 99, sqsRequests: 0.1 }) };
    const { head } = toItems(task, 'r'.repeat(12), costs);
    const size = itemBytes(head);
    assert.ok(size + LIMITS.progressBytes <= LIMITS.headBytes, `${size} bytes + ${LIMITS.progressBytes} for progress`);
  });
  it('the worst running head — 128-character id, job name and parent, every field, progress and outbox at their caps — stays within 2 KB: a claim or heartbeat costs at most 2 write units', () => {
    // What a head can hold while its task runs (kwargs in its body), each at its longest.
    const running = (id: number, name: number, parent: number): Task =>
      runningTask({
        id: 'i'.repeat(id),
        name: 'n'.repeat(name),
        kwargs: { k: 'k'.repeat(LIMITS.headBytes) },
        fromTask: parent ? 'p'.repeat(parent) : undefined,
        traceparent: TRACE,
        priority: 'high',
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

  describe('progress a running head carries at 1 write unit (docs/storage.md states these figures)', () => {
    const ref = 'r'.repeat(12);
    // Every field, a trace and a priority too (kwargs in its body: with every field, none fit).
    const running = runningTask({ traceparent: TRACE, priority: 'high' });
    const firstCost = { [COST_ATTR]: costText({ writeUnits: 999, sqsRequests: 99.123456 }) };
    // A retry's head also holds its end time, its fail item's ref and the first attempt's whole cost.
    const retryCost = {
      [COST_ATTR]: costText({
        writeUnits: 999,
        sqsRequests: 99.123456,
        lambdaRequests: 9.123456,
        lambdaMs: 9_999_999,
        gbSeconds: 999.123456,
        heartbeats: 999,
      }),
    };
    const heads = {
      first: toItems(running, ref, firstCost).head,
      retry: toItems({ ...running, timeEnded: TIME }, ref, { ...retryCost, [FAIL_ATTR]: ref }).head,
    };
    /** A progress report of `bytes` as `ctx.progress` counts them: the attribute's name and its JSON text. */
    const progressOf = (bytes: number) => {
      const text = progressText({ value: { p: '' } });
      return progressText({ value: { p: 'x'.repeat(bytes - itemBytes({ [PROGRESS_ATTR]: text })) } });
    };
    /** The most progress a heartbeat writes on `head` at 1 unit, the outbox's room kept (LIMITS.outboxBytes). */
    const room = (head: Item) => LIMITS.headBytes - LIMITS.outboxBytes - itemBytes(head);
    /** A heartbeat's write units: the lease moved, `bytes` of progress written, the outbox's room filled. */
    const beat = (head: Item, bytes: number) => {
      const after = { ...head, lease_until: TIME + 1, [PROGRESS_ATTR]: progressOf(bytes), ev_pad: '' };
      after.ev_pad = 'x'.repeat(LIMITS.outboxBytes - itemBytes({ ev_pad: '' }));
      return headWriteUnits(head, after);
    };

    it('up to the room computed from the layout, a heartbeat costs 1 unit; a byte more, 2', () => {
      for (const [what, head] of Object.entries(heads)) {
        const bytes = room(head);
        assert.ok(bytes > 0 && bytes < LIMITS.progressBytes, `${what}: ${bytes} bytes`);
        assert.equal(itemBytes({ [PROGRESS_ATTR]: progressOf(bytes) }), bytes);
        assert.equal(beat(head, bytes), 1, what);
        assert.equal(beat(head, bytes + 1), 2, what);
      }
      const longerName = toItems({ ...running, name: 'n'.repeat(40) }, ref, firstCost).head;
      assert.equal(room(longerName), room(heads.first) - 8, 'each character of job name past 32 takes a byte');
    });

    it('docs/storage.md states them', () => {
      const doc = readFileSync(new URL('../../docs/storage.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
      const stated =
        /a report of up to \*\*([\d,]+) bytes\*\* as stored .*? a retry's head, .*? up to \*\*([\d,]+) bytes\*\*/.exec(
          doc,
        );
      assert.ok(stated, 'the sentence giving the figures');
      assert.deepEqual(
        stated.slice(1, 3).map((n) => Number(n.replace(',', ''))),
        [room(heads.first), room(heads.retry)],
      );
    });

    it('kwargs never add to a heartbeat: the same units with 10 B (in the head), 10 KB and 100 KB (in a body)', () => {
      // A typical task: a UUID id, a short job name, a Lambda's worker name, no parent, lock or trace.
      const typical: Task = {
        id: UUID,
        name: 'sendMail',
        status: 'STARTED',
        kwargs: {},
        timeQueued: TIME,
        timeStarted: TIME,
        leaseUntil: TIME,
        attempts: 1,
        worker: 'w'.repeat(52),
      };
      for (const task of [typical, running]) {
        const units = [10, 10 * 1024, 100 * 1024].map((n) => {
          const kwargs = { k: 'k'.repeat(n - 8) };
          assert.equal(Buffer.byteLength(JSON.stringify(kwargs)), n);
          const { head, body } = toItems({ ...task, kwargs }, ref, firstCost);
          if (task === typical) assert.equal(body === undefined, n === 10, `${n} bytes of kwargs: in the head?`);
          return [beat(head, 100), beat(head, LIMITS.progressBytes)];
        });
        assert.deepEqual(units, [units[0], units[0], units[0]], task.name);
      }
      assert.deepEqual(
        [10, 10 * 1024].map((n) =>
          beat(toItems({ ...typical, kwargs: { k: 'k'.repeat(n - 8) } }, ref, firstCost).head, 512),
        ),
        [1, 1],
        'a typical head: a full report at 1 unit, whatever the kwargs',
      );
    });
  });
});
