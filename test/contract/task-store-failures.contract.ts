/**
 * A failed attempt's error, stack and history (issue 16): the DynamoDB adapter keeps a
 * RETRY's in a fail item beside the head (lib/task-side-items.ts) so that the retry's claim
 * and heartbeats cost 1 write unit; every read shows what the head alone used to, at every
 * stage and after every end, and both stores count the same write units for it.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Outcome } from '../../lib/store.js';
import { storeTest, type StoreFactory, type StoreWorld } from './store-fixture.js';

const ERROR = `boom ${'e'.repeat(2995)}`; // 3,000 bytes
const STACK = `Error: boom\n${'s'.repeat(7988)}`; // 8,000 bytes
const usage = { sqsRequests: 1, lambdaRequests: 1, lambdaMs: 10, heartbeats: 0 };

/** Create task `id`, claim it at `now` and finish attempt 1 as a RETRY with a large error and stack. */
async function retried(w: StoreWorld, id: string, withUsage = false) {
  await w.create(id);
  await w.store.claimTask({ id, now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
  const errors = [{ attempt: 1, error: 'boom', time: w.now + 1 }];
  const retry: Outcome = { status: 'RETRY', error: ERROR, stack: STACK, eta: w.now + 2, time: w.now + 1, errors };
  const written = await w.store.finishTask(id, 1, withUsage ? { ...retry, usage } : retry);
  return { written, errors };
}

export function taskStoreFailuresContract(factory: StoreFactory): void {
  const test = storeTest(factory);

  describe('a RETRY’s error, stack and history', () => {
    test('read back at every stage: RETRY, claimed again (the claim gives the run its history), ready', async (w) => {
      const { written, errors } = await retried(w, 'a');
      const shown = { error: ERROR, stack: STACK, errors };
      for (const task of [written, await w.store.getTask('a'), (await w.store.getTasks(['a']))[0]]) {
        assert.equal(task?.status, 'RETRY');
        assert.deepEqual({ error: task?.error, stack: task?.stack, errors: task?.errors }, shown);
      }
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 2, leaseUntil: w.now + 32, worker: 'w2' });
      assert.deepEqual({ error: claim.task?.error, stack: claim.task?.stack, errors: claim.task?.errors }, shown);
      const beat = await w.store.extendLease('a', 2, w.now + 40);
      assert.deepEqual({ error: beat?.error, stack: beat?.stack, errors: beat?.errors }, shown);
      const listed = (await w.store.queryTasks({ status: 'STARTED', limit: 10 })).tasks[0];
      assert.deepEqual({ error: listed?.error, stack: listed?.stack, errors: listed?.errors }, shown);
      await w.store.finishTask('a', 2, { status: 'SUCCESS', resultJson: '1', time: w.now + 3, errors });
      const done = await w.store.getTask('a');
      assert.deepEqual(
        [done?.status, done?.error, done?.stack, done?.errors],
        ['SUCCESS', undefined, undefined, errors],
      );
    });

    test('write units: the fail item’s put is the RETRY finish’s, and the retry’s claim and heartbeat cost 1 each', async (w) => {
      // Create: the head and its index entry (2). Attempt 1: the claim (1), the fail item — its
      // 11,000 bytes of error and stack with its keys, history and TTL: 11 units — and the head (1).
      const { written } = await retried(w, 'a', true);
      assert.equal(written?.cost?.writeUnits, 2 + 1 + 11 + 1);
      await w.store.claimTask({ id: 'a', now: w.now + 2, leaseUntil: w.now + 32, worker: 'w2' });
      await w.store.extendLease('a', 2, w.now + 40);
      const done = await w.store.finishTask('a', 2, { status: 'SUCCESS', resultJson: '1', time: w.now + 3, usage });
      // Attempt 2: the claim and the heartbeat (1 each), the finish (1) and its index entry's move (2).
      assert.equal(done?.cost?.writeUnits, 15 + 1 + 1 + 1 + 2);
    });

    test('ended idle — revoked, expired, dead-lettered —: the reason, the attempt’s stack, the history', async (w) => {
      const { errors } = await retried(w, 'a');
      const ended = await w.store.endIdle('a', {
        status: 'FAILURE',
        time: w.now + 2,
        reason: 'dead',
        deadLettered: true,
      });
      for (const task of [ended, await w.store.getTask('a')]) {
        assert.deepEqual([task?.status, task?.error, task?.stack, task?.errors], ['FAILURE', 'dead', STACK, errors]);
      }
    });

    test('redriven: no error or stack, the history kept, and the next failure adds to it', async (w) => {
      const { errors } = await retried(w, 'a');
      await w.store.endIdle('a', { status: 'FAILURE', time: w.now + 2, reason: 'dead', deadLettered: true });
      const requeued = await w.store.requeue('a');
      for (const task of [requeued, await w.store.getTask('a')]) {
        assert.deepEqual(
          [task?.status, task?.error, task?.stack, task?.errors],
          ['QUEUED', undefined, undefined, errors],
        );
      }
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 3, leaseUntil: w.now + 33, worker: 'w2' });
      assert.deepEqual([claim.task?.error, claim.task?.stack, claim.task?.errors], [undefined, undefined, errors]);
      // An idle RETRY redriven at once: the same.
      await retried(w, 'b');
      const b = await w.store.requeue('b');
      assert.deepEqual([b?.status, b?.error, b?.stack, b?.errors], ['QUEUED', undefined, undefined, errors]);
    });

    test('a WAITING task that had a RETRY, ended: its own outcome’s error and stack, the history kept', async (w) => {
      const { errors } = await retried(w, 'a');
      await w.store.claimTask({ id: 'a', now: w.now + 2, leaseUntil: w.now + 32, worker: 'w2' });
      await w.store.suspendTask('a', 2);
      const waiting = await w.store.getTask('a');
      assert.deepEqual([waiting?.status, waiting?.error, waiting?.stack], ['WAITING', ERROR, STACK]);
      const ended = await w.store.endWaiting('a', { status: 'SUCCESS', resultJson: '3', time: w.now + 3 });
      for (const task of [ended, await w.store.getTask('a')]) {
        assert.deepEqual(
          [task?.status, task?.result, task?.error, task?.stack, task?.errors],
          ['SUCCESS', 3, undefined, undefined, errors],
        );
      }
    });
  });
}
