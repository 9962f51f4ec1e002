/**
 * The run verbs of the task store port: claim, fenced finish, lease, revoke, ending idle
 * tasks, re-send counting, requeue. Timestamps are passed explicitly where the port
 * takes them, so the same tests run on a fake clock and against DynamoDB.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { cutBytes } from '../../lib/bytes.js';
import { LIMITS, TRUNCATED } from '../../lib/limits.js';
import type { Outcome } from '../../lib/store.js';
import type { Task } from '../../lib/task.js';
import { storeTest, type StoreFactory } from './store-fixture.js';

export function taskStoreRunsContract(factory: StoreFactory): void {
  const test = storeTest(factory);

  describe('claimTask', () => {
    test('claims a QUEUED task as attempt 1: STARTED, with its lease, start time and worker', async (w) => {
      await w.create('a');
      const claim = await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
      const expected: Task = {
        ...w.newTask('a'),
        status: 'STARTED',
        attempts: 1,
        timeStarted: w.now,
        leaseUntil: w.now + 30,
        worker: 'w1',
      };
      assert.deepEqual(claim, { claimed: true, task: expected });
      assert.deepEqual(await w.store.getTask('a'), expected);
    });

    test('a duplicate claim while the lease is live is lost, and gets the task as it is', async (w) => {
      const started = await w.start('a');
      const again = await w.store.claimTask({ id: 'a', now: w.now + 29.9, leaseUntil: w.now + 60, worker: 'w2' });
      assert.deepEqual(again, { claimed: false, task: started });
      // The lease ends strictly after leaseUntil.
      const atEnd = await w.store.claimTask({ id: 'a', now: w.now + 30, leaseUntil: w.now + 60, worker: 'w2' });
      assert.equal(atEnd.claimed, false);
    });

    test('after the lease expired, a claim takes the task over as a new attempt', async (w) => {
      await w.start('a');
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 31, leaseUntil: w.now + 61, worker: 'w2' });
      assert.equal(claim.claimed, true);
      assert.equal(claim.task?.attempts, 2);
      assert.equal(claim.task?.worker, 'w2');
      assert.equal(claim.task?.timeStarted, w.now + 31);
      assert.equal(claim.task?.leaseUntil, w.now + 61);
    });

    test('a RETRY task is claimed again once due', async (w) => {
      await w.start('a');
      const retry: Outcome = { status: 'RETRY', error: 'boom', time: w.now + 1, eta: w.now + 10 };
      assert.ok(await w.store.finishTask('a', 1, retry));
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 10, leaseUntil: w.now + 40, worker: 'w2' });
      assert.equal(claim.claimed, true);
      assert.equal(claim.task?.status, 'STARTED');
      assert.equal(claim.task?.attempts, 2);
    });

    test('a ready task is never claimed: the answer is the task as it is', async (w) => {
      for (const status of ['SUCCESS', 'FAILURE', 'REVOKED'] as const) {
        const task = await w.create(status, { status, attempts: 1 });
        const claim = await w.store.claimTask({ id: status, now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
        assert.deepEqual(claim, { claimed: false, task }, status);
      }
    });

    test('a missing task is not claimed, and there is no task to return', async (w) => {
      const claim = await w.store.claimTask({ id: 'nope', now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
      assert.deepEqual(claim, { claimed: false, task: undefined });
      assert.equal(await w.store.getTask('nope'), undefined);
    });

    test('an expired task is not claimed before its first attempt; expiry is strict', async (w) => {
      await w.create('a', { expiry: w.now + 10 });
      const late = await w.store.claimTask({ id: 'a', now: w.now + 10, leaseUntil: w.now + 40, worker: 'w1' });
      assert.equal(late.claimed, false);
      assert.equal(late.task?.status, 'QUEUED');
      const inTime = await w.store.claimTask({ id: 'a', now: w.now + 9.5, leaseUntil: w.now + 40, worker: 'w1' });
      assert.equal(inTime.claimed, true);
    });

    test('an expiry at the due time itself (expiry 0) has passed even for a delivery up to 1 s early', async (w) => {
      await w.create('a', { eta: w.now + 10, expiry: w.now + 10 });
      const early = await w.store.claimTask({ id: 'a', now: w.now + 9.5, leaseUntil: w.now + 40, worker: 'w1' });
      assert.equal(early.claimed, false);
      await w.create('b', { eta: w.now + 10, expiry: w.now + 10.5 });
      const inTime = await w.store.claimTask({ id: 'b', now: w.now + 9.5, leaseUntil: w.now + 40, worker: 'w1' });
      assert.equal(inTime.claimed, true);
    });

    test('a retry past its expiry is not claimed either (Celery: an expired task is not started again)', async (w) => {
      await w.create('a', { status: 'RETRY', attempts: 1, expiry: w.now - 50 });
      const claim = await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
      assert.equal(claim.claimed, false);
      assert.equal(claim.task?.status, 'RETRY');
      assert.equal(claim.task?.attempts, 1);
    });

    test('a task not due is not claimed; up to 1 s early is due (SQS delays may fire early)', async (w) => {
      await w.create('a', { eta: w.now + 10 });
      const early = await w.store.claimTask({ id: 'a', now: w.now + 8.9, leaseUntil: w.now + 40, worker: 'w1' });
      assert.equal(early.claimed, false);
      assert.equal(early.task?.status, 'QUEUED');
      const due = await w.store.claimTask({ id: 'a', now: w.now + 9, leaseUntil: w.now + 40, worker: 'w1' });
      assert.equal(due.claimed, true);
    });

    test('a task whose revoke was asked is not claimed, even with its lease expired', async (w) => {
      await w.start('a');
      await w.store.requestRevoke('a');
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 100, leaseUntil: w.now + 130, worker: 'w2' });
      assert.equal(claim.claimed, false);
      assert.equal(claim.task?.revokeRequested, true);
      assert.equal(claim.task?.attempts, 1);
    });
  });

  describe('finishTask', () => {
    test('the attempt holding the claim records its outcome; the lease is gone', async (w) => {
      const started = await w.start('a');
      const errors = [{ attempt: 0, error: 'earlier', time: w.now - 5 }];
      const outcome: Outcome = { status: 'SUCCESS', resultJson: '{"ok":[1,2]}', time: w.now + 2, errors };
      const written = await w.store.finishTask('a', 1, outcome);
      assert.deepEqual(written, await w.store.getTask('a'), 'the answer is the task as written');
      const { leaseUntil: _, ...kept } = started;
      assert.deepEqual(await w.store.getTask('a'), {
        ...kept,
        status: 'SUCCESS',
        result: { ok: [1, 2] },
        timeEnded: w.now + 2,
        errors,
      });
    });

    test('fenced: another attempt, a task not STARTED, a missing task: refused, nothing written', async (w) => {
      const started = await w.start('a');
      const outcome: Outcome = { status: 'SUCCESS', resultJson: '1', time: w.now + 1 };
      assert.equal(await w.store.finishTask('a', 2, outcome), undefined);
      assert.equal(await w.store.finishTask('a', 0, outcome), undefined);
      assert.deepEqual(await w.store.getTask('a'), started);
      const queued = await w.create('b');
      assert.equal(await w.store.finishTask('b', 0, outcome), undefined);
      assert.deepEqual(await w.store.getTask('b'), queued);
      assert.equal(await w.store.finishTask('nope', 1, outcome), undefined);
      assert.equal(await w.store.getTask('nope'), undefined);
    });

    test('a run that lost its claim to a newer attempt cannot finish; the newer one can', async (w) => {
      await w.start('a');
      const retaken = await w.store.claimTask({ id: 'a', now: w.now + 31, leaseUntil: w.now + 61, worker: 'w2' });
      assert.equal(retaken.claimed, true);
      const stale: Outcome = { status: 'FAILURE', error: 'old run', time: w.now + 32 };
      assert.equal(await w.store.finishTask('a', 1, stale), undefined);
      assert.deepEqual(await w.store.getTask('a'), retaken.task);
      assert.ok(await w.store.finishTask('a', 2, { status: 'SUCCESS', resultJson: '"new"', time: w.now + 33 }));
      assert.equal((await w.store.getTask('a'))?.result, 'new');
    });

    test('an attempt finishes once: a second finish is refused', async (w) => {
      await w.start('a');
      assert.ok(await w.store.finishTask('a', 1, { status: 'SUCCESS', resultJson: '1', time: w.now + 1 }));
      assert.equal(await w.store.finishTask('a', 1, { status: 'FAILURE', error: 'x', time: w.now + 2 }), undefined);
      assert.equal((await w.store.getTask('a'))?.status, 'SUCCESS');
    });

    test('RETRY records the error and the next due time, and keeps the task past any retention', async (w) => {
      await w.start('a');
      const errors = [{ attempt: 1, error: 'boom', time: w.now - w.retentionSeconds - 100 }];
      const outcome: Outcome = {
        status: 'RETRY',
        error: 'boom',
        stack: 'Error: boom\n    at job',
        eta: w.now + 60,
        time: w.now - w.retentionSeconds - 100,
        errors,
      };
      assert.ok(await w.store.finishTask('a', 1, outcome));
      const task = await w.store.getTask('a');
      assert.equal(task?.status, 'RETRY');
      assert.equal(task?.error, 'boom');
      assert.equal(task?.stack, 'Error: boom\n    at job');
      assert.equal(task?.eta, w.now + 60);
      assert.deepEqual(task?.errors, errors);
      assert.equal(task?.leaseUntil, undefined);
    });

    test('the outcome is written whole: what it does not give is cleared', async (w) => {
      await w.start('a');
      const retry: Outcome = { status: 'RETRY', error: 'boom', stack: 's', eta: w.now + 5, time: w.now + 1 };
      retry.errors = [{ attempt: 1, error: 'boom', time: w.now + 1 }];
      await w.store.finishTask('a', 1, retry);
      await w.store.claimTask({ id: 'a', now: w.now + 5, leaseUntil: w.now + 35, worker: 'w1' });
      assert.ok(await w.store.finishTask('a', 2, { status: 'SUCCESS', resultJson: 'true', time: w.now + 6 }));
      const task = await w.store.getTask('a');
      assert.equal(task?.result, true);
      for (const field of ['error', 'stack', 'eta', 'errors', 'leaseUntil'] as const) {
        assert.equal(task?.[field], undefined, field);
      }
    });

    test('a finish with usage records the cost: what the attempt consumed, and the write units of every write', async (w) => {
      await w.store.createTask(w.newTask('a'), { sqsRequests: 0.1 });
      await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
      await w.store.extendLease('a', 1, w.now + 40);
      const usage = { sqsRequests: 1.2, lambdaRequests: 0.1, lambdaMs: 40, heartbeats: 1 };
      const written = await w.store.finishTask('a', 1, {
        status: 'SUCCESS',
        resultJson: 'true',
        time: w.now + 1,
        usage,
      });
      // Create: the head and its job index entry (2); claim and heartbeat (1 each); the
      // finish (1) and its index entry moving to the SUCCESS group (2).
      const cost = { writeUnits: 7, sqsRequests: 1.3, lambdaRequests: 0.1, lambdaMs: 40, heartbeats: 1 };
      assert.deepEqual(written?.cost, cost);
      assert.deepEqual((await w.store.getTask('a'))?.cost, cost);
    });

    test('each attempt’s finish adds its share; without usage a finish records none', async (w) => {
      await w.start('a');
      const usage = { sqsRequests: 3, lambdaRequests: 1, lambdaMs: 10, heartbeats: 0 };
      const retry: Outcome = { status: 'RETRY', error: 'x', eta: w.now + 2, time: w.now + 1, usage };
      assert.equal((await w.store.finishTask('a', 1, retry))?.cost?.lambdaRequests, 1);
      await w.store.claimTask({ id: 'a', now: w.now + 2, leaseUntil: w.now + 32, worker: 'w1' });
      const done = await w.store.finishTask('a', 2, { status: 'SUCCESS', resultJson: '1', time: w.now + 3, usage });
      assert.deepEqual(
        { ...done?.cost, writeUnits: undefined },
        { writeUnits: undefined, sqsRequests: 6, lambdaRequests: 2, lambdaMs: 20, heartbeats: 0 },
      );
      await w.start('b');
      assert.equal(
        (await w.store.finishTask('b', 1, { status: 'SUCCESS', resultJson: '1', time: w.now }))?.cost,
        undefined,
      );
    });

    test('a finish clears a pending revoke request', async (w) => {
      await w.start('a');
      assert.equal((await w.store.requestRevoke('a'))?.revokeRequested, true);
      await w.store.finishTask('a', 1, { status: 'REVOKED', error: 'revoked while it ran', time: w.now + 1 });
      const task = await w.store.getTask('a');
      assert.equal(task?.status, 'REVOKED');
      assert.equal(task?.revokeRequested, undefined);
    });

    test('a RETRY finish keeps a pending revoke request: the next claim refuses the task', async (w) => {
      await w.start('a');
      await w.store.requestRevoke('a');
      const retry: Outcome = { status: 'RETRY', error: 'x', eta: w.now + 2, time: w.now + 1 };
      assert.equal((await w.store.finishTask('a', 1, retry))?.revokeRequested, true);
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 3, leaseUntil: w.now + 33, worker: 'w' });
      assert.equal(claim.claimed, false);
    });
  });

  describe('extendLease and requestRevoke', () => {
    test('the attempt holding the claim extends its lease; others get undefined', async (w) => {
      await w.start('a');
      const extended = await w.store.extendLease('a', 1, w.now + 90);
      assert.equal(extended?.leaseUntil, w.now + 90);
      assert.equal((await w.store.getTask('a'))?.leaseUntil, w.now + 90);
      assert.equal(await w.store.extendLease('a', 2, w.now + 120), undefined);
      assert.equal((await w.store.getTask('a'))?.leaseUntil, w.now + 90);
      assert.equal(await w.store.extendLease('nope', 1, w.now + 120), undefined);
      await w.store.finishTask('a', 1, { status: 'SUCCESS', resultJson: '1', time: w.now + 1 });
      assert.equal(await w.store.extendLease('a', 1, w.now + 120), undefined);
      assert.equal((await w.store.getTask('a'))?.leaseUntil, undefined);
    });

    test('a revoke is asked of a STARTED task only', async (w) => {
      await w.start('a');
      const asked = await w.store.requestRevoke('a');
      assert.equal(asked?.revokeRequested, true);
      assert.equal(asked?.status, 'STARTED');
      await w.create('q');
      assert.equal(await w.store.requestRevoke('q'), undefined);
      assert.equal((await w.store.getTask('q'))?.revokeRequested, undefined);
      await w.create('s', { status: 'SUCCESS' });
      assert.equal(await w.store.requestRevoke('s'), undefined);
      assert.equal(await w.store.requestRevoke('nope'), undefined);
    });
  });

  describe('endIdle', () => {
    test('ends a QUEUED task as REVOKED with the reason as its error', async (w) => {
      await w.create('a', { eta: w.now + 5 });
      const ended = await w.store.endIdle('a', { status: 'REVOKED', time: w.now, reason: 'revoked' });
      assert.deepEqual(ended, {
        ...w.newTask('a', { eta: w.now + 5 }),
        status: 'REVOKED',
        timeEnded: w.now,
        error: 'revoked',
      });
      assert.deepEqual(await w.store.getTask('a'), ended);
    });

    test('ends a RETRY task as a dead-lettered FAILURE', async (w) => {
      await w.create('a', { status: 'RETRY', attempts: 2 });
      const ended = await w.store.endIdle('a', { status: 'FAILURE', time: w.now, reason: 'dlq', deadLettered: true });
      assert.equal(ended?.status, 'FAILURE');
      assert.equal(ended?.deadLettered, true);
      assert.equal(ended?.attempts, 2);
    });

    test('a STARTED task only once its lease has expired (strictly before the end time)', async (w) => {
      const started = await w.start('a');
      assert.equal(await w.store.endIdle('a', { status: 'FAILURE', time: w.now + 10, reason: 'x' }), undefined);
      assert.equal(await w.store.endIdle('a', { status: 'FAILURE', time: w.now + 30, reason: 'x' }), undefined);
      assert.deepEqual(await w.store.getTask('a'), started);
      const end = { status: 'FAILURE', time: w.now + 31, reason: 'runs kept dying', deadLettered: false } as const;
      const ended = await w.store.endIdle('a', end);
      assert.equal(ended?.status, 'FAILURE');
      assert.equal(ended?.leaseUntil, undefined);
      assert.equal(ended?.deadLettered, undefined);
      assert.equal(ended?.worker, 'w1');
    });

    test('a ready or missing task is left as it is', async (w) => {
      const done = await w.create('a', { status: 'SUCCESS', attempts: 1 });
      assert.equal(await w.store.endIdle('a', { status: 'REVOKED', time: w.now, reason: 'x' }), undefined);
      assert.deepEqual(await w.store.getTask('a'), done);
      assert.equal(await w.store.endIdle('nope', { status: 'REVOKED', time: w.now, reason: 'x' }), undefined);
      assert.equal(await w.store.getTask('nope'), undefined);
    });

    test('the reason is cut to the error cap, in UTF-8 bytes', async (w) => {
      await w.create('a');
      const reason = '€'.repeat(10_000);
      const ended = await w.store.endIdle('a', { status: 'FAILURE', time: w.now, reason });
      assert.equal(ended?.error, cutBytes(reason, LIMITS.errorBytes, { mark: TRUNCATED }));
      assert.ok(Buffer.byteLength(ended!.error!) <= LIMITS.errorBytes);
    });
  });

  describe('markResent', () => {
    test('counts one re-send per state seen: a second reconciler that saw the same count loses', async (w) => {
      await w.create('a');
      assert.equal(await w.store.markResent('a', 0), true);
      assert.equal(await w.store.markResent('a', 0), false);
      assert.equal((await w.store.getTask('a'))?.resends, 1);
      assert.equal(await w.store.markResent('a', 1), true);
      assert.equal(await w.store.markResent('a', 1), false);
      assert.equal(await w.store.markResent('a', 5), false);
      assert.equal((await w.store.getTask('a'))?.resends, 2);
      await w.create('b');
      assert.equal(await w.store.markResent('b', 3), false);
      assert.equal(await w.store.markResent('nope', 0), false);
      assert.equal(await w.store.getTask('nope'), undefined);
    });
  });

  describe('requeue', () => {
    test('a dead-lettered FAILURE is QUEUED again, with the run fields the adapter clears cleared', async (w) => {
      await w.start('a');
      const errors = [{ attempt: 1, error: 'boom', time: w.now + 1 }];
      const retry: Outcome = { status: 'RETRY', error: 'boom', stack: 's', eta: w.now + 5, time: w.now + 1, errors };
      await w.store.finishTask('a', 1, retry);
      await w.store.markResent('a', 0);
      await w.store.setSendError('a', 'no network');
      await w.store.endIdle('a', { status: 'FAILURE', time: w.now + 2, reason: 'dead', deadLettered: true });
      const requeued = await w.store.requeue('a');
      assert.deepEqual(requeued, {
        ...w.newTask('a'),
        attempts: 1,
        timeStarted: w.now,
        worker: 'w1',
        errors,
        sendError: 'no network',
      });
      assert.deepEqual(await w.store.getTask('a'), requeued);
      const claim = await w.store.claimTask({ id: 'a', now: w.now + 3, leaseUntil: w.now + 33, worker: 'w2' });
      assert.equal(claim.claimed, true);
      assert.equal(claim.task?.attempts, 2);
    });

    test('a FAILURE that was not dead-lettered, a SUCCESS, a REVOKED or a missing task: undefined', async (w) => {
      await w.create('f');
      await w.store.endIdle('f', { status: 'FAILURE', time: w.now, reason: 'gave up' });
      await w.create('s', { status: 'SUCCESS' });
      await w.create('r', { status: 'REVOKED' });
      for (const id of ['f', 's', 'r', 'nope']) {
        const before = await w.store.getTask(id);
        assert.equal(await w.store.requeue(id), undefined, id);
        assert.deepEqual(await w.store.getTask(id), before, id);
      }
    });

    test('an idle task is QUEUED again: a QUEUED one loses its due time', async (w) => {
      await w.create('a', { eta: w.now + 600 });
      const requeued = await w.store.requeue('a');
      assert.deepEqual(requeued, w.newTask('a'));
    });

    test("a STARTED task only once its lease has expired by the store's clock", async (w) => {
      await w.create('dead');
      await w.store.claimTask({ id: 'dead', now: w.now - 100, leaseUntil: w.now - 50, worker: 'w1' });
      const requeued = await w.store.requeue('dead');
      assert.equal(requeued?.status, 'QUEUED');
      assert.equal(requeued?.leaseUntil, undefined);
      assert.equal(requeued?.attempts, 1);
      const live = await w.start('live');
      assert.equal(await w.store.requeue('live'), undefined);
      assert.deepEqual(await w.store.getTask('live'), live);
    });

    test('a revoke asked of the dead run still holds: the requeued task is not claimed', async (w) => {
      await w.create('a');
      await w.store.claimTask({ id: 'a', now: w.now - 100, leaseUntil: w.now - 50, worker: 'w1' });
      await w.store.requestRevoke('a');
      const requeued = await w.store.requeue('a');
      assert.equal(requeued?.status, 'QUEUED');
      assert.equal(requeued?.revokeRequested, true);
      const claim = await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w2' });
      assert.equal(claim.claimed, false);
    });
  });

  describe('clearDeadLettered', () => {
    test('a dead-lettered FAILURE loses its mark and keeps its status, error and end time; no redrive then', async (w) => {
      await w.create('a');
      const dead = await w.store.endIdle('a', { status: 'FAILURE', time: w.now, reason: 'dead', deadLettered: true });
      assert.equal(dead?.deadLettered, true);
      const { deadLettered: _mark, ...cleared } = dead!;
      assert.deepEqual(await w.store.clearDeadLettered('a'), cleared);
      assert.deepEqual(await w.store.getTask('a'), cleared);
      assert.equal(await w.store.clearDeadLettered('a'), undefined, 'once');
      assert.equal(await w.store.requeue('a'), undefined, 'no longer redriven');
    });

    test('a FAILURE that was not dead-lettered, an idle, a running or a missing task: undefined, unchanged', async (w) => {
      await w.create('f');
      await w.store.endIdle('f', { status: 'FAILURE', time: w.now, reason: 'gave up' });
      await w.create('q');
      await w.start('s');
      await w.create('ok', { status: 'SUCCESS' });
      for (const id of ['f', 'q', 's', 'ok', 'nope']) {
        const before = await w.store.getTask(id);
        assert.equal(await w.store.clearDeadLettered(id), undefined, id);
        assert.deepEqual(await w.store.getTask(id), before, id);
      }
    });
  });
}
