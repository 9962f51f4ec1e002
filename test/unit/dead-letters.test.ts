/**
 * Dead letters looked at and purged (issue 13), on the in-memory ports: the listing from
 * the task records marked dead-lettered, its pages, and purges by id and of everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackend, defineJob, endTask, type Task } from '../../lib/index.js';
import type { TaskStore } from '../../lib/store.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = { add: defineJob({ name: 'add', run: (_ctx, { a = 0 }: { a?: number }) => a }) };
type Q = ReturnType<typeof createTestQueue<typeof jobs>>;

/** Queue a task a second after the last, then end it FAILURE; `letter`: its message moves to the dead-letter queue. */
async function failed(
  q: Q,
  { deadLettered = true, letter = deadLettered }: { deadLettered?: boolean; letter?: boolean } = {},
): Promise<Task> {
  q.clock.advance(1);
  const task = (await q.queueTask('add', { a: 1 }))!;
  const [message] = await q.runtime.queue.receive(1, 0);
  if (letter) await q.runtime.queue.deadLetter(message.body, 'test');
  await q.runtime.queue.deleteMessages([message.receiptHandle]);
  await endTask(q.runtime, task.id, { idle: 'FAILURE', reason: 'dead-lettered after 5 deliveries', deadLettered });
  return task;
}

const ids = (tasks: { id: string }[]) => tasks.map((t) => t.id);

describe('listDeadLetters', () => {
  it('lists the tasks marked dead-lettered, newest first, with their error; counts the letters and those with no task', async () => {
    const q = createTestQueue({ jobs });
    const a = await failed(q);
    await failed(q, { deadLettered: false });
    const b = await failed(q);
    await q.runTask('add', { a: 2 });
    await q.runtime.queue.deadLetter('not a task message', 'not JSON');
    const page = await q.runtime.backend.listDeadLetters();
    assert.deepEqual(ids(page.tasks), [b.id, a.id]);
    assert.equal(page.tasks[0].error, 'dead-lettered after 5 deliveries');
    assert.equal(page.tasks[0].status, 'FAILURE');
    assert.equal(page.cursor, null);
    assert.equal(page.messages, 3);
    assert.equal(page.unrecorded, 1);
  });

  it('pages with a cursor: no task left out or repeated, the last page ends with null', async () => {
    const q = createTestQueue({ jobs });
    const dead: Task[] = [];
    for (let i = 0; i < 7; i++) {
      dead.unshift(await failed(q));
      await failed(q, { deadLettered: false });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await q.runtime.backend.listDeadLetters({ limit: 3, cursor });
      assert.ok(page.tasks.length <= 3);
      assert.equal(page.unrecorded, null, 'a paged listing cannot count the letters without a task');
      seen.push(...ids(page.tasks));
      if (!page.cursor) break;
      cursor = page.cursor;
    }
    assert.deepEqual(seen, ids(dead));
  });

  it('reads at most 1000 FAILURE records a call: a page among many other failures comes back short, with a cursor', async () => {
    const q = createTestQueue({ jobs });
    const oldest = await failed(q);
    q.clock.advance(1);
    for (let i = 0; i < 1050; i++) {
      const { id } = (await q.queueTask('add', { a: i }))!;
      await endTask(q.runtime, id, { idle: 'FAILURE', reason: 'gave up' });
    }
    const first = await q.runtime.backend.listDeadLetters({ limit: 10 });
    assert.deepEqual(first.tasks, []);
    assert.ok(first.cursor);
    const next = await q.runtime.backend.listDeadLetters({ limit: 10, cursor: first.cursor });
    assert.deepEqual(ids(next.tasks), [oldest.id]);
    assert.equal(next.cursor, null);
  });
});

describe('purgeDeadLetters', () => {
  it('by ids: deletes those letters, keeps the others; the tasks stay FAILURE and leave the listing', async () => {
    const q = createTestQueue({ jobs });
    const [a, b, c] = [await failed(q), await failed(q), await failed(q)];
    const result = await q.runtime.backend.purgeDeadLetters({ ids: [b.id] });
    assert.deepEqual(result.purged, [b.id]);
    assert.equal(result.deleted, 1);
    assert.equal(result.more, false);
    assert.equal(result.remaining, 2);
    const task = (await q.getTask(b.id))!;
    assert.equal(task.status, 'FAILURE');
    assert.equal(task.deadLettered, undefined);
    assert.equal(task.error, 'dead-lettered after 5 deliveries');
    assert.deepEqual(ids((await q.runtime.backend.listDeadLetters()).tasks), [c.id, a.id]);
    assert.deepEqual(
      q.deadLetters().map((l) => JSON.parse(l.body).id),
      [a.id, c.id],
    );
    // The kept letters are visible again at once: a redrive right after finds them.
    assert.deepEqual((await q.runtime.backend.redriveDeadLetters()).moved.sort(), [a.id, c.id].sort());
  });

  it('by ids, a task whose letter is not on the queue yet: its mark goes now, and the letter is stale when it comes', async () => {
    const q = createTestQueue({ jobs });
    const task = await failed(q, { letter: false });
    const result = await q.runtime.backend.purgeDeadLetters({ ids: [task.id] });
    assert.deepEqual(result, { purged: [task.id], deleted: 0, kept: 0, failed: 0, more: false, remaining: 0 });
    await q.runtime.queue.deadLetter(JSON.stringify({ v: 1, id: task.id, job: 'add' }), 'late');
    const redrive = await q.runtime.backend.redriveDeadLetters();
    assert.deepEqual(redrive.moved, [], 'a purged task is not run again');
    assert.equal(redrive.dropped, 1);
  });

  it('all: every letter goes, those without a task too, and every mark, also of a task whose letter was not seen', async () => {
    const q = createTestQueue({ jobs });
    const [a, b] = [await failed(q), await failed(q)];
    const unmoved = await failed(q, { letter: false });
    await q.runtime.queue.deadLetter('not a task message', 'not JSON');
    const result = await q.runtime.backend.purgeDeadLetters();
    assert.deepEqual(result.purged.sort(), [a.id, b.id, unmoved.id].sort());
    assert.equal(result.deleted, 3);
    assert.equal(result.more, false);
    assert.equal(result.remaining, 0);
    assert.deepEqual(q.deadLetters(), []);
    const listing = await q.runtime.backend.listDeadLetters();
    assert.deepEqual(listing, { tasks: [], cursor: null, messages: 0, unrecorded: 0 });
    for (const id of [a.id, b.id, unmoved.id]) assert.equal((await q.getTask(id))?.status, 'FAILURE');
  });

  it('stops on its limit or time budget with more: true; calling again goes on', async () => {
    const q = createTestQueue({ jobs });
    for (let i = 0; i < 25; i++) await failed(q);
    const first = await q.runtime.backend.purgeDeadLetters({ budgetSeconds: 0 });
    assert.equal(first.deleted, 10, 'one batch, then the budget is spent');
    assert.equal(first.more, true);
    assert.equal(first.remaining, 15);
    const limited = await q.runtime.backend.purgeDeadLetters({ limit: 5 });
    assert.equal(limited.deleted, 5);
    assert.equal(limited.more, true);
    const rest = await q.runtime.backend.purgeDeadLetters();
    assert.equal(rest.deleted, 10);
    assert.equal(rest.more, false);
    assert.equal((await q.runtime.backend.listDeadLetters()).tasks.length, 0);
  });

  it('a letter whose purge fails is counted in failed and stays; the others of its batch go', async () => {
    const q = createTestQueue({ jobs });
    const [a, b] = [await failed(q), await failed(q)];
    const broken: TaskStore = {
      ...q.runtime.store,
      clearDeadLettered: (id) =>
        id === a.id ? Promise.reject(new Error('throttled')) : q.runtime.store.clearDeadLettered(id),
    };
    const result = await createBackend({ ...q.runtime, store: broken }).purgeDeadLetters();
    assert.deepEqual(result.purged, [b.id]);
    assert.equal(result.failed, 1);
    assert.equal(result.remaining, 1);
    assert.equal((await q.getTask(a.id))?.deadLettered, true);
  });
});
