/**
 * Retries, revoke and expiry with skytask/testing, as docs/testing.md shows them (the docs
 * quote these lines; test/unit/examples.test.ts runs this file with `npm test`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineJob } from 'skytask';
import { createTestQueue } from 'skytask/testing';

let failures = 0;
const jobs = {
  flaky: defineJob({
    name: 'flaky',
    maxRetries: 3,
    run: () => {
      if (++failures < 3) throw new Error(`failure ${failures}`);
      return 'third time lucky';
    },
  }),
  long: defineJob({
    name: 'long',
    run: (ctx) =>
      new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
  }),
  report: defineJob({ name: 'report', run: () => 'done' }),
};

test('retries: the backoff passes on the fake clock', async () => {
  const q = createTestQueue({ jobs });
  const task = await q.runTask('flaky');
  assert.equal(task.attempts, 3);
  assert.deepEqual(
    task.errors?.map((e) => e.error),
    ['failure 1', 'failure 2'],
  );
});

test('revoke a running task: its ctx.signal aborts', async () => {
  const q = createTestQueue({ jobs });
  const t = await q.queueTask('long');
  const running = q.run();
  while ((await q.getTask(t!.id))?.status !== 'STARTED') await new Promise((r) => setImmediate(r));
  await q.revokeTask(t!.id);
  await running;
  assert.equal((await q.getTask(t!.id))?.status, 'REVOKED');
});

test('expiry: a task not started in time is REVOKED, never run', async () => {
  const q = createTestQueue({ jobs });
  const late = await q.queueTask('report', {}, { expiry: 60 });
  q.clock.advance(61);
  await q.run();
  assert.equal((await q.getTask(late!.id))?.status, 'REVOKED');
});
