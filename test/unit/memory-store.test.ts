/**
 * The memory store: the task store contract on a fake clock, plus what only a fake clock
 * can show quickly (retention as time passes, paging of recovery listings).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore, type Task } from '../../lib/index.js';
import { fakeClock } from '../contract/clock.js';
import { taskStoreContract } from '../contract/task-store.contract.js';

const RETENTION = 3600;

taskStoreContract('memory store, fake clock', async () => {
  const clock = fakeClock();
  const store = createMemoryStore({ clock: clock.now, retentionSeconds: RETENTION });
  return { store, clock, retentionSeconds: RETENTION, cleanup: async () => undefined };
});

describe('memory store, as time passes', () => {
  const setup = () => {
    const clock = fakeClock();
    const store = createMemoryStore({ clock: clock.now, retentionSeconds: RETENTION });
    const task = (id: string, over: Partial<Task> = {}): Task => ({
      id,
      name: 'job',
      status: 'QUEUED',
      kwargs: {},
      timeQueued: clock.now(),
      attempts: 0,
      ...over,
    });
    return { clock, store, task };
  };

  it('a ready task disappears once the clock passes its retention, counted from its end', async () => {
    const { clock, store, task } = setup();
    await store.createTask(task('a'));
    const now = clock.now();
    await store.claimTask({ id: 'a', now, leaseUntil: now + 30, worker: 'w' });
    await store.finishTask('a', 1, { status: 'SUCCESS', resultJson: '1', time: now + 10 });
    await clock.advance(RETENTION + 10);
    assert.equal((await store.getTask('a'))?.status, 'SUCCESS');
    await clock.advance(1);
    assert.equal(await store.getTask('a'), undefined);
  });

  it('a requeued task has no retention any more', async () => {
    const { clock, store, task } = setup();
    await store.createTask(task('a', { status: 'RETRY', attempts: 1 }));
    await store.endIdle('a', { status: 'FAILURE', time: clock.now(), reason: 'dead', deadLettered: true });
    assert.equal((await store.requeue('a'))?.status, 'QUEUED');
    await clock.advance(RETENTION * 10);
    assert.equal((await store.getTask('a'))?.status, 'QUEUED');
  });

  it("requeue judges a STARTED task's lease by the injected clock", async () => {
    const { clock, store, task } = setup();
    await store.createTask(task('a'));
    const now = clock.now();
    await store.claimTask({ id: 'a', now, leaseUntil: now + 30, worker: 'w' });
    assert.equal(await store.requeue('a'), undefined);
    await clock.advance(31);
    assert.equal((await store.requeue('a'))?.status, 'QUEUED');
  });

  it('tasksInStatus pages 500 tasks at a time', async () => {
    const { clock, store, task } = setup();
    for (let i = 0; i < 1001; i++) await store.createTask(task(`t${i}`, { timeQueued: clock.now() + i }));
    const sizes: number[] = [];
    for await (const page of store.tasksInStatus(['QUEUED'])) sizes.push(page.length);
    assert.deepEqual(sizes, [500, 500, 1]);
  });

  it('without a clock, the store reads the system clock', async () => {
    const store = createMemoryStore({ retentionSeconds: 60 });
    const now = Date.now() / 1000;
    await store.createTask({ id: 'a', name: 'job', status: 'RETRY', kwargs: {}, timeQueued: now, attempts: 1 });
    await store.endIdle('a', { status: 'FAILURE', time: now - 61, reason: 'old' });
    assert.equal(await store.getTask('a'), undefined);
  });
});
