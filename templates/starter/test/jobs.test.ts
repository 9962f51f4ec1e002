/**
 * The jobs' tests, in-process with skytask/testing: an in-memory queue and task store, a
 * fake clock, and the same consumer as on AWS. `npm test`. More: skytask's docs/testing.md.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestQueue } from 'skytask/testing';
import * as jobs from '../src/jobs.js';

test('add adds', async () => {
  const q = createTestQueue({ jobs });
  const task = await q.runTask('add', { a: 1, b: 2 });
  assert.equal(task.status, 'SUCCESS');
  assert.equal(task.result, 3);
});

test('countdown reaches liftoff', async () => {
  const q = createTestQueue({ jobs });
  const task = await q.runTask('countdown', { from: 3, every: 0.01 });
  assert.equal(task.status, 'SUCCESS');
  assert.equal(task.result, 'liftoff');
  assert.deepEqual(task.progress, { value: 100, message: 'liftoff' }); // its last ctx.progress
});

test('a revoke stops a countdown while it runs', async () => {
  const q = createTestQueue({ jobs });
  const queued = await q.queueTask('countdown', { from: 1000, every: 0.01 }); // 10 s if nothing stopped it
  const running = q.run();
  while ((await q.getTask(queued!.id))?.status !== 'STARTED') await new Promise((r) => setImmediate(r));
  await q.revokeTask(queued!.id); // the run sees it at its next heartbeat: ctx.signal aborts
  await running;
  const task = await q.getTask(queued!.id);
  assert.equal(task?.status, 'REVOKED');
});
