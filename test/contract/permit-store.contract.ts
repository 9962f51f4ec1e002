/**
 * The per-key limits' verbs of the store (lib/permit-store.ts): permits (a lease each, at most
 * one live holder a permit) and rate windows, as the DynamoDB adapter's conditional writes
 * guarantee them. Every verb takes `now`, so the suite needs no clock.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { HeldPermit } from '../../lib/permit-store.js';
import { type StoreFactory, storeTest } from './store-fixture.js';

const KEY = 'a'.repeat(40);

export function permitStoreContract(factory: StoreFactory): void {
  const test = storeTest(factory);
  describe('per-key permits and rate windows', () => {
    test('a key gives out `limit` permits, then none until one is released; a release is fenced on its holder', async ({
      store,
      now,
    }) => {
      const take = (taskId: string, at = now) =>
        store.takePermit({ key: KEY, limit: 3, taskId, now: at, leaseUntil: at + 30 });
      const held: HeldPermit[] = [];
      for (const id of ['t1', 't2', 't3']) {
        const taken = await take(id);
        assert.equal(taken.taken, true, id);
        if (taken.taken) held.push(taken.permit);
      }
      assert.deepEqual(held.map((p) => p.index).sort(), [0, 1, 2]);
      const full = await take('t4');
      assert.equal(full.taken, false);
      if (!full.taken) assert.deepEqual(full.permits.map((p) => p.taskId).sort(), ['t1', 't2', 't3']);
      // A stale holder (another token on the same permit) frees nothing.
      await store.releasePermit({ ...held[0], holder: 'someone-else' }, now + 1);
      assert.equal((await take('t4')).taken, false);
      await store.releasePermit(held[0], now + 2);
      const again = await take('t4', now + 2);
      assert.equal(again.taken, true);
      if (again.taken) assert.equal(again.permit.index, held[0].index);
      const freed = (await store.permitsOf(KEY)).find((p) => p.index === held[0].index)!;
      assert.equal(freed.taskId, 't4');
    });

    test('a permit whose lease passed is free for the next taker; extending it keeps it', async ({ store, now }) => {
      const take = (taskId: string, at: number) =>
        store.takePermit({ key: KEY, limit: 1, taskId, now: at, leaseUntil: at + 30 });
      const first = await take('t1', now);
      assert.ok(first.taken);
      assert.equal(await store.extendPermit(first.permit, now + 60), true);
      assert.equal((await take('t2', now + 45)).taken, false, 'the extended lease still holds');
      const second = await take('t2', now + 61);
      assert.ok(second.taken, 'the lapsed lease is taken over');
      // The old holder lost it: its heartbeat and release change nothing.
      assert.equal(await store.extendPermit(first.permit, now + 120), false);
      await store.releasePermit(first.permit, now + 62);
      const [state] = await store.permitsOf(KEY);
      assert.equal(state.taskId, 't2');
      assert.equal(state.holder, second.permit.holder);
    });

    test('a permit passed to a task is reserved for it: only its take takes it; the passer holds it no more', async ({
      store,
      now,
    }) => {
      const first = await store.takePermit({ key: KEY, limit: 1, taskId: 't1', now, leaseUntil: now + 30 });
      assert.ok(first.taken);
      assert.equal(first.permit.leaseSeconds, 30);
      const passed = await store.passPermit(first.permit, { taskId: 't2', now: now + 1, leaseUntil: now + 31 });
      assert.equal(passed?.index, first.permit.index);
      assert.equal(
        await store.passPermit(first.permit, { taskId: 't3', now: now + 1, leaseUntil: now + 31 }),
        undefined,
      );
      assert.equal(await store.extendPermit(first.permit, now + 60), false, 'the passer holds it no more');
      await store.releasePermit(first.permit, now + 1);
      const other = await store.takePermit({ key: KEY, limit: 1, taskId: 't3', now: now + 2, leaseUntil: now + 32 });
      assert.equal(other.taken, false, 'reserved for t2: another taker finds the key full');
      if (!other.taken) assert.equal(other.permits[0].taskId, 't2');
      const taken = await store.takePermit({ key: KEY, limit: 1, taskId: 't2', now: now + 2, leaseUntil: now + 32 });
      assert.ok(taken.taken, "t2's take takes the permit passed to it");
      assert.equal(taken.permit.index, first.permit.index);
      assert.notEqual(taken.permit.holder, passed!.holder);
      assert.equal(await store.extendPermit(taken.permit, now + 40), true);
    });

    test('a permit passed to a task that never takes it lapses with its lease', async ({ store, now }) => {
      const first = await store.takePermit({ key: KEY, limit: 1, taskId: 't1', now, leaseUntil: now + 30 });
      assert.ok(first.taken);
      assert.ok(await store.passPermit(first.permit, { taskId: 'gone', now, leaseUntil: now + 30 }));
      assert.equal(
        (await store.takePermit({ key: KEY, limit: 1, taskId: 't3', now: now + 29, leaseUntil: now + 59 })).taken,
        false,
      );
      assert.ok(
        (await store.takePermit({ key: KEY, limit: 1, taskId: 't3', now: now + 31, leaseUntil: now + 61 })).taken,
      );
    });

    test('a released permit notes how long it was held; the keys are apart', async ({ store, now }) => {
      const taken = await store.takePermit({ key: KEY, limit: 1, taskId: 't1', now, leaseUntil: now + 30 });
      assert.ok(taken.taken);
      const other = await store.takePermit({ key: 'b'.repeat(40), limit: 1, taskId: 't2', now, leaseUntil: now + 30 });
      assert.equal(other.taken, true, 'another key has its own permits');
      await store.releasePermit(taken.permit, now + 2.5);
      const [state] = await store.permitsOf(KEY);
      assert.equal(state.holder, undefined);
      assert.equal(state.lastSeconds, 2.5);
      assert.equal(state.leaseUntil, 0);
    });

    test('a rate window counts `max` starts, then answers the next window; the next window starts again', async ({
      store,
      now,
    }) => {
      const start = Math.floor(now / 60) * 60;
      const take = (at: number) => store.takeWindow({ key: KEY, max: 2, per: 60, now: at });
      assert.deepEqual(await take(start + 1), { taken: true });
      assert.deepEqual(await take(start + 2), { taken: true });
      assert.deepEqual(await take(start + 59), { taken: false, retryAt: start + 60 });
      assert.deepEqual(await take(start + 60), { taken: true });
      assert.deepEqual(await store.takeWindow({ key: 'c'.repeat(40), max: 1, per: 60, now: start + 3 }), {
        taken: true,
      });
    });

    test('flush removes permits', async ({ store, now }) => {
      await store.takePermit({ key: KEY, limit: 1, taskId: 't1', now, leaseUntil: now + 30 });
      await store.flush();
      assert.deepEqual(await store.permitsOf(KEY), []);
    });
  });
}
