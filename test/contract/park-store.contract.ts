/**
 * Parking (lib/park-store.ts): a task over its key's concurrency limit parked WAITING with a
 * park entry that orders it in its key's queue, released by the workflows' release, its
 * entries dropped only as read. Every verb takes `now`, so the suite needs no clock.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { type StoreFactory, storeTest } from './store-fixture.js';

const KEY = 'd'.repeat(40);
const OTHER = 'e'.repeat(40);

export function parkStoreContract(factory: StoreFactory): void {
  const test = storeTest(factory);
  describe('parking for a permit', () => {
    test("an idle task parks WAITING with its key, no lease; its key's entries read oldest queued first", async (w) => {
      await w.create('late', { timeQueued: w.now - 10 });
      await w.create('early', { timeQueued: w.now - 50, status: 'RETRY', attempts: 1, eta: w.now - 5 });
      await w.start('lapsed', { timeQueued: w.now - 30 });
      await w.create('other', { timeQueued: w.now - 90 });
      for (const id of ['late', 'early']) {
        const parked = await w.store.parkTask(w.newTask(id, { timeQueued: (await w.store.getTask(id))!.timeQueued }), {
          key: KEY,
          now: w.now,
        });
        assert.equal(parked?.status, 'WAITING', id);
        assert.equal(parked?.parked, KEY);
        assert.equal(parked?.leaseUntil, undefined);
      }
      // A STARTED task whose lease lapsed is idle too (its run died).
      const lapsed = await w.store.parkTask({ id: 'lapsed', timeQueued: w.now - 30 }, { key: KEY, now: w.now + 31 });
      assert.equal(lapsed?.status, 'WAITING');
      await w.store.parkTask({ id: 'other', timeQueued: w.now - 90 }, { key: OTHER, now: w.now });
      const entries = await w.store.parkedOf(KEY, 10);
      assert.deepEqual(
        entries.map((e) => e.taskId),
        ['early', 'lapsed', 'late'],
      );
      assert.deepEqual(
        (await w.store.parkedOf(KEY, 2)).map((e) => e.taskId),
        ['early', 'lapsed'],
      );
      assert.ok(entries.every((e) => e.key === KEY && e.token));
      assert.deepEqual(
        (await w.store.getTask('early'))!,
        {
          ...w.newTask('early', { timeQueued: w.now - 50 }),
          status: 'WAITING',
          attempts: 1,
          eta: w.now - 5,
          parked: KEY,
        },
        'its eta and attempts are kept',
      );
      const waiting = [];
      for await (const page of w.store.tasksInStatus(['WAITING'])) waiting.push(...page);
      assert.deepEqual(waiting.map((t) => t.parked).sort(), [KEY, KEY, KEY, OTHER]);
    });

    test('a running or ready task is not parked', async (w) => {
      await w.start('running');
      assert.equal(
        await w.store.parkTask({ id: 'running', timeQueued: w.now - 100 }, { key: KEY, now: w.now }),
        undefined,
      );
      const running = (await w.store.getTask('running'))!;
      assert.equal(running.status, 'STARTED');
      assert.equal(running.parked, undefined);
      await w.create('done', { status: 'SUCCESS', timeEnded: w.now });
      assert.equal(
        await w.store.parkTask({ id: 'done', timeQueued: w.now - 100 }, { key: KEY, now: w.now }),
        undefined,
      );
      assert.equal(await w.store.parkTask({ id: 'absent', timeQueued: w.now }, { key: KEY, now: w.now }), undefined);
      assert.equal((await w.store.getTask('done'))!.status, 'SUCCESS');
    });

    test('a second park of a parked task (a duplicate delivery) writes nothing and leaves its entry', async (w) => {
      await w.create('t');
      assert.ok(await w.store.parkTask({ id: 't', timeQueued: w.now - 100 }, { key: KEY, now: w.now }));
      assert.equal(await w.store.parkTask({ id: 't', timeQueued: w.now - 100 }, { key: KEY, now: w.now }), undefined);
      assert.deepEqual(
        (await w.store.parkedOf(KEY, 10)).map((e) => e.taskId),
        ['t'],
        'its entry is still there for a hand-on to find',
      );
    });

    test('released as a WAITING task is: QUEUED, due now, its expiry kept, its mark cleared, claimable', async (w) => {
      await w.create('t', { expiry: w.now + 600 });
      await w.store.parkTask({ id: 't', timeQueued: w.now - 100 }, { key: KEY, now: w.now });
      const released = await w.store.releaseTask('t', { time: w.now + 5, expiry: w.now + 600 });
      assert.deepEqual(released, { ...w.newTask('t'), eta: w.now + 5, expiry: w.now + 600 });
      assert.equal(await w.store.releaseTask('t', { time: w.now + 6 }), undefined, 'released once');
      const claim = await w.store.claimTask({ id: 't', now: w.now + 5, leaseUntil: w.now + 35, worker: 'w1' });
      assert.equal(claim.claimed, true);
    });

    test('an entry is dropped only as read: a later park of its task keeps its own', async (w) => {
      await w.create('t');
      await w.store.parkTask({ id: 't', timeQueued: w.now - 100 }, { key: KEY, now: w.now });
      const [first] = await w.store.parkedOf(KEY, 1);
      await w.store.releaseTask('t', { time: w.now });
      // Its run found the key full again and parked it before the first entry was dropped.
      await w.store.parkTask({ id: 't', timeQueued: w.now - 100 }, { key: KEY, now: w.now });
      await w.store.dropParked(first);
      const [second] = await w.store.parkedOf(KEY, 1);
      assert.equal(second?.taskId, 't', 'the stale drop left the new entry');
      assert.notEqual(second.token, first.token);
      await w.store.dropParked(second);
      assert.deepEqual(await w.store.parkedOf(KEY, 1), []);
    });

    test('flush removes park entries', async (w) => {
      await w.create('t');
      await w.store.parkTask({ id: 't', timeQueued: w.now - 100 }, { key: KEY, now: w.now });
      await w.store.flush();
      assert.deepEqual(await w.store.parkedOf(KEY, 10), []);
    });
  });
}
