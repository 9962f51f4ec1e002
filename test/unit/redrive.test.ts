/** Redrive of dead letters, on the in-memory ports: non-overlap holds across a redrive. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJob, endTask } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = { single: defineJob({ name: 'single', canOverlap: false, run: () => 'ran' }) };

/** Queue a task, then dead-letter its message and its record as the consumer's last delivery does. */
async function deadLettered(q: ReturnType<typeof createTestQueue<typeof jobs>>) {
  const task = (await q.queueTask('single'))!;
  const [message] = await q.runtime.queue.receive(1, 0);
  await q.runtime.queue.deadLetter(message.body, 'test');
  await q.runtime.queue.deleteMessages([message.receiptHandle]);
  await endTask(q.runtime, task.id, { idle: 'FAILURE', reason: 'dead', deadLettered: true });
  return task;
}

describe('redriveDeadLetters', () => {
  it('runs a dead-lettered task again, with its non-overlap lock taken back', async () => {
    const q = createTestQueue({ jobs });
    const task = await deadLettered(q);
    const result = await q.runtime.backend.redriveDeadLetters();
    assert.deepEqual(result.moved, [task.id]);
    assert.equal(await q.queueTask('single'), null, 'the redriven task holds the lock again');
    await q.run();
    assert.equal((await q.getTask(task.id))?.status, 'SUCCESS');
  });

  it('leaves a dead letter alone while an equal task holds the lock, and redrives it after', async () => {
    const q = createTestQueue({ jobs });
    const task = await deadLettered(q);
    const other = (await q.queueTask('single'))!;
    const held = await q.runtime.backend.redriveDeadLetters();
    const locked = 'an equal task holds the non-overlap lock: redrive again once it ends';
    assert.deepEqual(held, {
      moved: [],
      dropped: 0,
      skipped: 1,
      left: [{ id: task.id, reason: locked }],
      failed: 0,
      more: false,
      remaining: 1,
    });
    assert.equal((await q.getTask(task.id))?.status, 'FAILURE');
    assert.equal(q.deadLetters().length, 1, 'the letter stays for a later redrive');
    await q.run();
    assert.equal((await q.getTask(other.id))?.status, 'SUCCESS');
    q.clock.advance(60); // the dead letter's visibility after the first look
    const later = await q.runtime.backend.redriveDeadLetters();
    assert.deepEqual(later.moved, [task.id]);
  });

  it('a letter changes no task beyond a new attempt: another request under its id stays, one not yet due is dropped', async () => {
    const q = createTestQueue({ jobs: { ...jobs, add: defineJob({ name: 'add', run: () => 'added' }) } });
    // A task that ended dead-lettered (its own letter gone), and one due in ten minutes.
    const dead = (await q.queueTask('single'))!;
    await q.runtime.queue.deleteMessages((await q.runtime.queue.receive(1, 0)).map((m) => m.receiptHandle));
    await endTask(q.runtime, dead.id, { idle: 'FAILURE', reason: 'dead', deadLettered: true });
    const later = (await q.queueTask('add', { a: 1 }, { delay: 600 }))!;
    const before = [await q.getTask(dead.id), await q.getTask(later.id)];
    const letters = [
      { v: 1, job: 'add', kwargs: {}, id: dead.id },
      { v: 1, job: 'single', kwargs: { a: 666 }, id: dead.id },
      { v: 1, job: 'add', kwargs: { a: 2 }, id: later.id },
      { v: 1, job: 'add', id: later.id },
    ];
    for (const letter of letters) await q.runtime.queue.deadLetter(JSON.stringify(letter), 'test');
    const result = await q.runtime.backend.redriveDeadLetters();
    const other = { reason: 'the task id names another request' };
    assert.deepEqual(result, {
      moved: [],
      dropped: 1,
      skipped: 3,
      left: [dead.id, dead.id, later.id].map((id) => ({ id, ...other })),
      failed: 0,
      more: false,
      remaining: 3,
    });
    assert.deepEqual([await q.getTask(dead.id), await q.getTask(later.id)], before);
    assert.equal(q.deadLetters().length, 3, 'the refused producer messages stay for a person');
  });

  it('says why each letter it leaves stays: no task message, a producer message refused before its record', async () => {
    const q = createTestQueue({ jobs });
    await q.runtime.queue.deadLetter('not a task message', 'test');
    await q.runtime.queue.deadLetter(JSON.stringify({ v: 1, job: 'single', kwargs: {}, id: 'never-recorded' }), 'test');
    const result = await q.runtime.backend.redriveDeadLetters();
    assert.equal(result.skipped, 2);
    assert.deepEqual(result.left, [
      { id: null, reason: 'the body is no task message' },
      {
        id: 'never-recorded',
        reason: 'a producer message refused before its task was recorded (its kwargs or job were refused)',
      },
    ]);
  });
});
