/** Bookkeeping verbs of the task store port: send errors, locks, schedule entries, flush. */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { storeTest, type StoreFactory } from './store-fixture.js';

export function taskStoreBookkeepingContract(factory: StoreFactory): void {
  const test = storeTest(factory);

  describe('setSendError', () => {
    test('notes and clears a send error; an unknown id is no error and creates nothing', async (w) => {
      await w.create('a');
      await w.store.setSendError('a', 'queue unreachable');
      assert.equal((await w.store.getTask('a'))?.sendError, 'queue unreachable');
      await w.store.setSendError('a', undefined);
      assert.deepEqual(await w.store.getTask('a'), w.newTask('a'));
      await w.store.setSendError('nope', 'x');
      assert.equal(await w.store.getTask('nope'), undefined);
    });
  });

  describe('locks', () => {
    test('a free lock is taken; a held one answers its holder, the caller itself included', async (w) => {
      assert.equal(await w.store.acquireLock('L', 't1'), undefined);
      assert.equal(await w.store.acquireLock('L', 't2'), 't1');
      assert.equal(await w.store.acquireLock('L', 't1'), 't1');
      assert.equal(await w.store.acquireLock('other', 't2'), undefined);
    });

    test('release by the holder only', async (w) => {
      await w.store.acquireLock('L', 't1');
      await w.store.releaseLock('L', 't2');
      assert.equal(await w.store.acquireLock('L', 't2'), 't1');
      await w.store.releaseLock('L', 't1');
      assert.equal(await w.store.acquireLock('L', 't2'), undefined);
      await w.store.releaseLock('free', 't1');
    });

    test('a takeover succeeds only from the holder the caller found', async (w) => {
      await w.store.acquireLock('L', 't1');
      assert.equal(await w.store.acquireLock('L', 't3', 't2'), 't1');
      assert.equal(await w.store.acquireLock('L', 't2', 't1'), undefined);
      assert.equal(await w.store.acquireLock('L', 't3', 't1'), 't2');
      // The old holder's release no longer frees it.
      await w.store.releaseLock('L', 't1');
      assert.equal(await w.store.acquireLock('L', 't3'), 't2');
    });

    test("a takeover of a lock released meanwhile answers '' (held by nobody known); then it is taken plainly", async (w) => {
      await w.store.acquireLock('L', 't1');
      await w.store.releaseLock('L', 't1');
      assert.equal(await w.store.acquireLock('L', 't2', 't1'), '');
      assert.equal(await w.store.acquireLock('L', 't2'), undefined);
      assert.equal(await w.store.acquireLock('L', 't3'), 't2');
    });

    test('locks and tasks do not share ids', async (w) => {
      await w.create('same');
      assert.equal(await w.store.acquireLock('same', 'holder'), undefined);
      assert.equal((await w.store.getTask('same'))?.status, 'QUEUED');
      assert.deepEqual(await w.store.deleteTasks(['same']), ['same']);
      assert.equal(await w.store.acquireLock('same', 'other'), 'holder');
    });
  });

  describe('schedule entries', () => {
    test('recordRun counts a slot once, and only a later slot than the last', async (w) => {
      const slot = 1_767_261_600;
      assert.equal(await w.store.recordRun({ job: 'p', slot, time: slot + 2, taskId: 'p:1' }), true);
      assert.equal(await w.store.recordRun({ job: 'p', slot, time: slot + 3, taskId: 'p:1' }), false);
      assert.equal(await w.store.recordRun({ job: 'p', slot: slot - 60, time: slot + 4, taskId: 'p:0' }), false);
      assert.deepEqual((await w.store.getScheduleEntries(['p'])).get('p'), {
        job: 'p',
        lastSlot: slot,
        lastRunAt: slot + 2,
        runsCount: 1,
        lastTaskId: 'p:1',
      });
      assert.equal(await w.store.recordRun({ job: 'p', slot: slot + 60, time: slot + 61 }), true);
      assert.deepEqual((await w.store.getScheduleEntries(['p'])).get('p'), {
        job: 'p',
        lastSlot: slot + 60,
        lastRunAt: slot + 61,
        runsCount: 2,
        lastTaskId: undefined,
      });
    });

    test('getScheduleEntries returns the entries that exist, keyed by job', async (w) => {
      await w.store.recordRun({ job: 'a', slot: 60, time: 61, taskId: 'a:1' });
      await w.store.recordRun({ job: 'b', slot: 120, time: 121, taskId: 'b:1' });
      const entries = await w.store.getScheduleEntries(['b', 'never', 'a', 'b']);
      assert.deepEqual([...entries.keys()].sort(), ['a', 'b']);
      assert.equal(entries.get('b')?.lastSlot, 120);
      assert.equal((await w.store.getScheduleEntries([])).size, 0);
    });
  });

  describe('flush', () => {
    test('removes every task, lock and schedule entry; the store stays usable', async (w) => {
      await w.create('a');
      await w.store.acquireLock('L', 'a');
      await w.store.recordRun({ job: 'p', slot: 60, time: 61 });
      await w.store.flush();
      assert.equal(await w.store.getTask('a'), undefined);
      assert.deepEqual((await w.store.queryTasks({ limit: 10 })).tasks, []);
      assert.equal(await w.store.acquireLock('L', 'b'), undefined);
      assert.equal((await w.store.getScheduleEntries(['p'])).size, 0);
      await w.create('a');
      assert.equal((await w.store.getTask('a'))?.status, 'QUEUED');
    });
  });
}
